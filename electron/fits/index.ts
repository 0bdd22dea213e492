export * from './header';
export * from './file';
export * from './table';
export * from './write';
export * from './json';
