import { describe, expect, it } from "vitest";
import { ApiError, NetworkError } from "./api";
import { actionFailedNotice, batchAcceptedNotice, batchFailedNotice, invalidUrlsNotice, listFailedNotice, reprocessNotice, uploadNotice } from "./messages";

describe("snackbar messages", () => {
  it("lists each pasted entry that blocks sending with its reason", () => {
    const notice = invalidUrlsNotice([
      { url: "nope", reason: "not an absolute URL" },
      { url: "ftp://x.test/a.jpg", reason: "uses ftp" },
    ]);
    expect(notice.severity).toBe("error");
    expect(notice.text).toBe("Nothing was sent: 2 entries are not an absolute http(s) URL.");
    expect(notice.details).toEqual(["nope — not an absolute URL", "ftp://x.test/a.jpg — uses ftp"]);
  });

  it("gives the server's reason for a refused batch and its reason for each URL", () => {
    const error = new ApiError(400, "some URLs cannot be fetched", [
      { url: "http://10.0.0.1/a.jpg", reason: "points to a private network address" },
    ]);
    const notice = batchFailedNotice(error);
    expect(notice.text).toBe("The server refused the URLs: some URLs cannot be fetched (HTTP 400)");
    expect(notice.details).toEqual(["http://10.0.0.1/a.jpg — points to a private network address"]);
  });

  it("says the server could not be reached when the batch never got an answer", () => {
    const notice = batchFailedNotice(new NetworkError());
    expect(notice.severity).toBe("error");
    expect(notice.text).toMatch(/^The URLs were not sent: could not reach the server/);
    expect(notice.details).toEqual([]);
  });

  it("gives the server's reason for a single refused upload on one line", () => {
    const notice = uploadNotice([], [{ name: "fake.jpg", reason: "not a supported image (HTTP 422)" }]);
    expect(notice).toEqual({ severity: "error", text: "fake.jpg was not uploaded: not a supported image (HTTP 422)", details: [] });
  });

  it("names every file that was not uploaded and counts the ones that were", () => {
    const notice = uploadNotice(
      [{ id: 7, url: "/media/7.jpg", status: "pending", duplicate: false }],
      [
        { name: "notes.txt", reason: "is not an image (text/plain)" },
        { name: "huge.jpg", reason: "the upload is larger than the server accepts (HTTP 413)" },
      ],
    );
    expect(notice.text).toBe("2 files were not uploaded (1 photo queued):");
    expect(notice.details).toEqual([
      "notes.txt — is not an image (text/plain)",
      "huge.jpg — the upload is larger than the server accepts (HTTP 413)",
    ]);
  });

  it("says how many were queued and how many were already there", () => {
    const notice = batchAcceptedNotice([
      { id: 1, url: "https://a.test/1.jpg", status: "pending", duplicate: false },
      { id: 2, url: "https://a.test/2.jpg", status: "processed", duplicate: true },
    ]);
    expect(notice).toEqual({
      severity: "info",
      text: "2 URLs queued; 1 was already submitted (marked in the table)",
      details: [],
    });
  });

  it("says the catalogue could not be loaded because the server could not be reached", () => {
    expect(listFailedNotice(new NetworkError()).text).toBe(
      "Could not load the catalogue: could not reach the server; check the connection and try again",
    );
  });

  it("says which action did not happen and the server's reason", () => {
    expect(actionFailedNotice("look.jpg was not queued again", new ApiError(409, "image 3 is pending")).text).toBe(
      "look.jpg was not queued again: image 3 is pending (HTTP 409)",
    );
  });

  it("says an image is queued again, or why not, on one line; of several, how many were queued and why each other was not", () => {
    const look = { id: 3, name: "look.jpg" };
    const unnamed = { id: 4, name: "" };
    expect(reprocessNotice([look], [])).toEqual({ severity: "info", text: "look.jpg is queued to be processed again", details: [] });
    expect(reprocessNotice([look, unnamed], []).text).toBe("2 images are queued to be processed again");
    expect(reprocessNotice([], [{ image: look, reason: "image 3 is pending (HTTP 409)" }])).toEqual({
      severity: "error", text: "look.jpg was not queued again: image 3 is pending (HTTP 409)", details: [],
    });
    expect(reprocessNotice([look], [{ image: unnamed, reason: "no image with id 4 (HTTP 404)" }])).toEqual({
      severity: "error", text: "1 image was not queued again (1 queued):", details: ["Image #4 — no image with id 4 (HTTP 404)"],
    });
  });
});
