// aladin-lite ships no type declarations; the little of its API the sky panel uses.
declare module 'aladin-lite' {
  export interface AladinSource {
    ra: number;
    dec: number;
  }
  export interface AladinCatalog {
    addSources(sources: AladinSource[]): void;
    /** Drops every source (the catalogue stays on the view). */
    removeAll(): void;
  }
  export interface AladinImageLayer {
    setColormap?(name: string, opts?: Record<string, unknown>): void;
    setCuts?(lo: number, hi: number): void;
  }
  export interface AladinInstance {
    addCatalog(cat: AladinCatalog): void;
    setBaseImageLayer(layer: AladinImageLayer | string): void;
    setImageSurvey(layer: AladinImageLayer | string): void;
    gotoRaDec(ra: number, dec: number): void;
    setFoV(fovDeg: number): void;
    removeLayers?(): void;
  }
  interface AladinStatic {
    init: Promise<void>;
    aladin(el: HTMLElement | string, options: Record<string, unknown>): AladinInstance;
    image(url: string, options: Record<string, unknown>): AladinImageLayer;
    catalog(options: Record<string, unknown>): AladinCatalog;
    source(ra: number, dec: number, data?: Record<string, unknown>, options?: Record<string, unknown>): AladinSource;
    marker(ra: number, dec: number, data?: Record<string, unknown>): AladinSource;
  }
  const A: AladinStatic;
  export default A;
}
