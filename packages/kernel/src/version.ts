/** The ctkit kernel's version: what module `kernel` ranges (vermagic) are checked against. Kept equal to package.json by a test. */
export const KERNEL_VERSION = "1.0.0";
