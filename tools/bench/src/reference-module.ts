/**
 * The reference's import target: an ESM file shaped like a module entry
 * (a default export with init) that imports nothing and does no work.
 */
export default {
  ctkitModule: 1,
  init(): void {},
};
