/** SExtractor and PSFEx: finding them, configuring them, running them. */
export * from './find';
export * from './spawn';
export * from './config';
export * from './sextractor';
export * from './psfex';
