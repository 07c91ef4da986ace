// The output presets a submission may name (the server's built-in ones: docs/VIEWS.md, `posecraft presets`).

export interface OutputOptions {
  /** A preset's name; "" leaves the choice to the server (its DEFAULT_PRESET). */
  preset: string;
  /** Also the person cut out on transparency (a PNG); false leaves it to the server (its VIEW_CUTOUT). */
  cutout: boolean;
}

export const NO_OPTIONS: OutputOptions = { preset: "", cutout: false };

export const PRESETS: ReadonlyArray<{ name: string; title: string; rules: string }> = [
  { name: "", title: "Server default", rules: "the views as the server is set up to make them" },
  { name: "amazon", title: "Amazon", rules: "on white, at least 1000 px, JPEG" },
  { name: "zalando", title: "Zalando", rules: "1:1.44 portrait, up to 1801 × 2600, at least 762 × 1100" },
  { name: "shopify", title: "Shopify", rules: "square, up to 2048 × 2048" },
];
