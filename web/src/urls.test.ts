import { describe, expect, it } from "vitest";
import { parseUrlList, splitUrlList, urlProblem } from "./urls";

describe("splitUrlList", () => {
  it("takes one URL per line and ignores blank lines", () => {
    expect(splitUrlList("https://a.test/1.jpg\n\n   \nhttps://a.test/2.jpg\n")).toEqual([
      "https://a.test/1.jpg",
      "https://a.test/2.jpg",
    ]);
  });

  it("also splits on commas, spaces, tabs and Windows line ends", () => {
    expect(splitUrlList("https://a.test/1.jpg, https://a.test/2.jpg\thttps://a.test/3.jpg\r\nhttps://a.test/4.jpg")).toEqual([
      "https://a.test/1.jpg",
      "https://a.test/2.jpg",
      "https://a.test/3.jpg",
      "https://a.test/4.jpg",
    ]);
  });

  it("keeps a URL pasted twice only once, in first-seen order", () => {
    expect(splitUrlList("https://a.test/2.jpg\nhttps://a.test/1.jpg\nhttps://a.test/2.jpg")).toEqual([
      "https://a.test/2.jpg",
      "https://a.test/1.jpg",
    ]);
  });

  it("gives nothing for an empty box", () => {
    expect(splitUrlList(" \n , \n")).toEqual([]);
  });
});

describe("urlProblem", () => {
  it.each(["https://cdn.example.com/look.jpg", "http://example.com:8080/a/b.png?w=1200&h=900", "HTTPS://EXAMPLE.COM/X.JPG"])(
    "accepts the absolute http(s) URL %s",
    (url) => expect(urlProblem(url)).toBeNull(),
  );

  it("refuses a relative path, saying it needs a scheme and host", () => {
    expect(urlProblem("/images/look.jpg")).toMatch(/not an absolute URL.*http:\/\/ or https:\/\//);
  });

  it("refuses a bare host name without a scheme", () => {
    expect(urlProblem("example.com/look.jpg")).toMatch(/not an absolute URL/);
  });

  it.each([
    ["ftp://example.com/look.jpg", "uses ftp"],
    ["file:///home/me/look.jpg", "uses file"],
    ["data:image/png;base64,AAAA", "uses data"],
    ["javascript:alert(1)", "uses javascript"],
  ])("refuses %s naming its scheme", (url, expected) => {
    expect(urlProblem(url)).toContain(expected);
  });
});

describe("parseUrlList", () => {
  it("separates sendable URLs from bad entries, each bad entry with its reason", () => {
    const { urls, invalid } = parseUrlList("https://a.test/1.jpg\nnot-a-url\nftp://a.test/2.jpg\nhttp://a.test/3.png");
    expect(urls).toEqual(["https://a.test/1.jpg", "http://a.test/3.png"]);
    expect(invalid.map((entry) => entry.url)).toEqual(["not-a-url", "ftp://a.test/2.jpg"]);
    expect(invalid[0].reason).toMatch(/not an absolute URL/);
    expect(invalid[1].reason).toMatch(/uses ftp/);
  });
});
