export { COMMANDS, findCommand } from "./commands/index.js";
export { lsmodText } from "./commands/lsmod.js";
export { modinfoFields } from "./commands/modinfo.js";
export { BufferIo, type Io } from "./io.js";
export { executeInKernel, type RunOptions, runCli } from "./run.js";
