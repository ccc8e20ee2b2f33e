export { HOLE } from './analyze.js';
export { type Placed, type Problem, placeOperation } from './place.js';
export { SKIPPED_DIRECTORIES, scanPaths } from './scan-paths.js';
export { mayHaveFindings, SOURCE_EXTENSIONS, scanSource } from './scan-source.js';
export type {
  ScanCall,
  ScanContext,
  ScanPathsResult,
  ScanResult,
  SdkMethodLookup,
  Unresolved,
  UnresolvedCode,
} from './types.js';
