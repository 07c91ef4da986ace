// What the submission and re-process requests carry for the output options: the fields the ingest service reads.
import { afterEach, describe, expect, it, vi } from "vitest";
import { reprocessImage, submitUrls, uploadImage } from "./api";

function capture() {
  const fetchMock = vi.fn(async (_input: RequestInfo | URL, init?: RequestInit) => {
    const body = init?.body instanceof FormData ? { id: 1, url: "/media/x.jpg", status: "pending", duplicate: false } : { items: [] };
    return new Response(JSON.stringify(body), { status: 202, headers: { "Content-Type": "application/json" } });
  });
  vi.stubGlobal("fetch", fetchMock);
  return () => fetchMock.mock.calls[0][1]!;
}

afterEach(() => vi.unstubAllGlobals());

describe("output options in submissions", () => {
  it("sends the preset, the cut-out and enlarging as multipart fields beside the photo", async () => {
    const sent = capture();
    await uploadImage(new File([new Uint8Array(10)], "look.jpg", { type: "image/jpeg" }), { preset: "zalando", cutout: true, upscale: true });
    const form = sent().body as FormData;
    expect(form.get("preset")).toBe("zalando");
    expect(form.get("cutout")).toBe("true");
    expect(form.get("upscale")).toBe("true");
    expect((form.get("file") as File).name).toBe("look.jpg");
  });

  it("sends the preset, the cut-out and enlarging as JSON fields with the URLs", async () => {
    const sent = capture();
    await submitUrls(["https://a.test/1.jpg"], { preset: "amazon", cutout: true, upscale: true });
    expect(JSON.parse(String(sent().body))).toEqual({ imageUrls: ["https://a.test/1.jpg"], preset: "amazon", cutout: true, upscale: true });
  });

  it("sends enlarging alone when only that is asked", async () => {
    const sent = capture();
    await submitUrls(["https://a.test/1.jpg"], { preset: "", cutout: false, upscale: true });
    expect(JSON.parse(String(sent().body))).toEqual({ imageUrls: ["https://a.test/1.jpg"], upscale: true });
  });

  it("leaves out what is left to the server", async () => {
    const sent = capture();
    await submitUrls(["https://a.test/1.jpg"], { preset: "", cutout: false, upscale: false });
    expect(JSON.parse(String(sent().body))).toEqual({ imageUrls: ["https://a.test/1.jpg"] });
    vi.unstubAllGlobals();
    const upload = capture();
    await uploadImage(new File([new Uint8Array(10)], "look.jpg", { type: "image/jpeg" }));
    const form = upload().body as FormData;
    expect([...form.keys()]).toEqual(["file"]);
  });
});

describe("output options when processing again", () => {
  it("sends the preset, the cut-out and enlarging as a JSON body, a false one too", async () => {
    const sent = capture();
    await reprocessImage(5, { preset: "shopify", cutout: false, upscale: false });
    expect(sent().method).toBe("POST");
    expect(new Headers(sent().headers).get("Content-Type")).toBe("application/json");
    expect(JSON.parse(String(sent().body))).toEqual({ preset: "shopify", cutout: false, upscale: false });
  });

  it("sends no body when nothing is asked: the image keeps its own", async () => {
    const sent = capture();
    await reprocessImage(5);
    expect([sent().method, sent().body]).toEqual(["POST", undefined]);
  });
});
