import { describe, expect, it } from "vitest";
import { fileProblem, formatBytes } from "./files";

const MB = 1024 * 1024;
const fileOf = (name: string, type: string, size: number) => new File([new Uint8Array(size)], name, { type });

describe("fileProblem", () => {
  it("lets a JPEG under the limit through", () => {
    expect(fileProblem(fileOf("look.jpg", "image/jpeg", 2048), 25 * MB)).toBeNull();
  });

  it("refuses a file that is not an image, naming its type", () => {
    expect(fileProblem(fileOf("notes.txt", "text/plain", 10), 25 * MB)).toMatch(/not an image \(text\/plain\)/);
  });

  it("refuses a file of unknown type", () => {
    expect(fileProblem(fileOf("blob", "", 10), 25 * MB)).toMatch(/unknown type/);
  });

  it("refuses a file over the limit, giving its size and the limit", () => {
    expect(fileProblem(fileOf("huge.png", "image/png", 3 * MB), 2 * MB)).toBe("is 3.0 MB; the limit is 2.0 MB");
  });

  it("refuses an empty file", () => {
    expect(fileProblem(fileOf("empty.jpg", "image/jpeg", 0), 25 * MB)).toBe("is empty");
  });
});

describe("formatBytes", () => {
  it("uses the unit a person expects", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 kB");
    expect(formatBytes(25 * MB)).toBe("25.0 MB");
  });
});
