// The page against a scripted API: what the user sees for each answer the server can give.
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "./App";
import { POLL_INTERVAL_MS, RECONNECT_MS } from "./useCatalogue";
import { processed, record, shot } from "./test/records";
import type { ImageRecord } from "./types";

type Answer = { status: number; body: unknown } | "network-failure";
type Route = (url: URL, init?: RequestInit) => Answer | undefined;

const page = (items: ImageRecord[], next: string | null = null, counts = countsOf(items)) => ({ status: 200, body: { items, next, counts } });

function countsOf(items: ImageRecord[]) {
  const counts = { pending: 0, processed: 0, failed: 0 };
  for (const item of items) counts[item.status] += 1;
  return counts;
}

/** The catalogue is empty and the status service knows no id, unless `route` answers otherwise. The counts are
 * what the route's /api/images answer says, served as the server does: by /api/images/counts, not with the rows. */
function serve(route: Route = () => undefined) {
  const answerFor = (url: URL, init?: RequestInit): Answer =>
    route(url, init) ??
    (url.pathname === "/api/images" ? page([]) : url.pathname === "/api/image-status" ? { status: 200, body: { items: [], missing: [] } } : { status: 404, body: { error: "not found" } });
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), "http://page.test");
    let answer = answerFor(url, init);
    if (url.pathname === "/api/images/counts" && answer !== "network-failure" && answer.status === 404) {
      const listed = answerFor(new URL(`/api/images${url.search}`, url), init);
      answer = listed === "network-failure" ? listed : { status: listed.status, body: listed.status === 200 ? (listed.body as { counts: unknown }).counts : listed.body };
    } else if (url.pathname === "/api/images" && url.searchParams.get("counts") === "false" && answer !== "network-failure" && answer.status === 200) {
      answer = { status: 200, body: { ...(answer.body as object), counts: null } };
    }
    if (answer === "network-failure") throw new TypeError("Failed to fetch");
    return new Response(answer.status === 204 ? null : JSON.stringify(answer.body), { status: answer.status, headers: { "Content-Type": "application/json" } });
  });
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

/** The browser's EventSource, driven by the test: open(), emit(data), fail(closed). */
class FakeEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static instances: FakeEventSource[] = [];
  readyState = FakeEventSource.CONNECTING;
  onopen: ((event: Event) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  private listeners: Array<(event: MessageEvent) => void> = [];

  constructor(readonly url: string) {
    FakeEventSource.instances.push(this);
  }

  addEventListener(type: string, listener: (event: MessageEvent) => void) {
    if (type === "image") this.listeners.push(listener);
  }

  close() {
    this.readyState = FakeEventSource.CLOSED;
  }

  open() {
    act(() => {
      this.readyState = FakeEventSource.OPEN;
      this.onopen?.(new Event("open"));
    });
  }

  emit(data: unknown) {
    act(() => this.listeners.forEach((listener) => listener(new MessageEvent("image", { data: JSON.stringify(data) }))));
  }

  fail(closed: boolean) {
    act(() => {
      this.readyState = closed ? FakeEventSource.CLOSED : FakeEventSource.CONNECTING;
      this.onerror?.(new Event("error"));
    });
  }
}

const stream = () => FakeEventSource.instances[FakeEventSource.instances.length - 1];

const calls = (fetchMock: ReturnType<typeof serve>, path: string) =>
  fetchMock.mock.calls.filter(([input]) => new URL(String(input), "http://page.test").pathname === path);

const shownIds = () => screen.queryAllByText(/^#\d+$/).map((element) => element.textContent);

async function pasteAndSend(text: string) {
  await userEvent.type(screen.getByLabelText("Image URLs"), text);
  await userEvent.click(screen.getByRole("button", { name: "Process URLs" }));
}

beforeEach(() => {
  FakeEventSource.instances = [];
  vi.stubGlobal("EventSource", FakeEventSource);
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("sending URLs", () => {
  it("sends nothing and names each bad entry when one is not an http(s) URL", async () => {
    const fetchMock = serve((url) => (url.pathname === "/api/process-batch" ? { status: 500, body: {} } : undefined));
    render(<App />);
    await pasteAndSend("https://a.test/1.jpg{enter}www.example.com/2.jpg");
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Nothing was sent: 1 entry is not an absolute http(s) URL.");
    expect(alert).toHaveTextContent("www.example.com/2.jpg — not an absolute URL");
    expect(calls(fetchMock, "/api/process-batch")).toHaveLength(0);
    expect(screen.getByLabelText("Image URLs")).toHaveValue("https://a.test/1.jpg\nwww.example.com/2.jpg");
  });

  it("shows the server's reason for each refused URL", async () => {
    serve((url) =>
      url.pathname === "/api/process-batch"
        ? {
            status: 400,
            body: { error: "1 of 2 URLs cannot be used", invalid: [{ url: "http://127.0.0.1/x.jpg", reason: "points to a loopback address" }] },
          }
        : undefined,
    );
    render(<App />);
    await pasteAndSend("https://a.test/1.jpg http://127.0.0.1/x.jpg");
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("The server refused the URLs: 1 of 2 URLs cannot be used (HTTP 400)");
    expect(alert).toHaveTextContent("http://127.0.0.1/x.jpg — points to a loopback address");
  });

  it("says the server could not be reached on a network failure and keeps the text", async () => {
    serve((url) => (url.pathname === "/api/process-batch" ? "network-failure" : undefined));
    render(<App />);
    await pasteAndSend("https://a.test/1.jpg");
    expect(await screen.findByRole("alert")).toHaveTextContent("The URLs were not sent: could not reach the server");
    expect(screen.getByLabelText("Image URLs")).toHaveValue("https://a.test/1.jpg");
  });

  it("adds a pending row per accepted URL, clears the box and turns it processed from the live stream, without polling", async () => {
    const fetchMock = serve((url) => {
      if (url.pathname === "/api/process-batch") {
        return { status: 202, body: { items: [{ id: 21, url: "https://a.test/1.jpg", status: "pending", duplicate: false }] } };
      }
      if (url.pathname === "/api/image-status") return { status: 200, body: { items: [record({ id: 21, name: "1.jpg", url: "https://a.test/1.jpg" })] } };
      return undefined;
    });
    render(<App />);
    stream().open();
    await pasteAndSend("https://a.test/1.jpg");
    expect(await screen.findByRole("status")).toHaveTextContent("1 URL queued");
    expect(screen.getByLabelText("Image URLs")).toHaveValue("");
    const row = (await screen.findByText("#21")).closest("tr")!;
    await within(row).findByText("Pending");
    expect(within(row).getByText("1.jpg")).toBeInTheDocument();
    stream().emit(processed(21, { name: "1.jpg" }));
    await within(row).findByText("Processed");
    expect(within(row).getAllByRole("button", { name: /View of image #21 full size/ })).toHaveLength(5);
    // One read of the accepted id; nothing polled while the stream is live.
    await act(() => new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS + 300)));
    expect(calls(fetchMock, "/api/image-status")).toHaveLength(1);
    expect(localStorage.length).toBe(0);
  }, 10_000);

  it("marks the existing row when a URL was already submitted", async () => {
    serve((url) =>
      url.pathname === "/api/process-batch"
        ? { status: 202, body: { items: [{ id: 30, url: "https://cdn.example.com/look-30.jpg", status: "processed", duplicate: true }] } }
        : url.pathname === "/api/images"
          ? page([processed(30)])
          : url.pathname === "/api/image-status"
            ? { status: 200, body: { items: [processed(30)] } }
            : undefined,
    );
    render(<App />);
    const row = (await screen.findByText("#30")).closest("tr")!;
    await within(row).findByText("Processed");
    await pasteAndSend("https://cdn.example.com/look-30.jpg");
    expect(await screen.findByRole("status")).toHaveTextContent("1 URL queued; 1 was already submitted");
    expect(shownIds()).toEqual(["#30"]);
    expect(within(row).getByText("resubmitted")).toBeInTheDocument();
    expect(screen.getByLabelText("Show")).toHaveDisplayValue("All (1)");
  });
});

describe("uploading photos", () => {
  it("refuses a non-image before sending and sends the photo, with one message for both", async () => {
    const fetchMock = serve((url) =>
      url.pathname === "/api/process"
        ? { status: 202, body: { id: 40, url: "/media/posecraft/uploads/40.jpg", status: "pending", duplicate: false } }
        : url.pathname === "/api/image-status"
          ? { status: 200, body: { items: [record({ id: 40, name: "look.jpg", url: "/media/posecraft/uploads/40.jpg" })] } }
          : undefined,
    );
    render(<App />);
    const photo = new File([new Uint8Array(100)], "look.jpg", { type: "image/jpeg" });
    const notes = new File(["hello"], "notes.txt", { type: "text/plain" });
    await userEvent.upload(screen.getByLabelText("Choose photos…"), [photo, notes], { applyAccept: false });
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("1 file was not uploaded (1 photo queued):");
    expect(alert).toHaveTextContent("notes.txt — is not an image (text/plain)");
    expect(calls(fetchMock, "/api/process")).toHaveLength(1);
    expect((calls(fetchMock, "/api/process")[0][1]!.body as FormData).get("file")).toBeInstanceOf(File);
    expect(await screen.findByText("#40")).toBeInTheDocument();
  });

  it("uploads every photo dropped on the page, one request each", async () => {
    let nextId = 50;
    const fetchMock = serve((url) =>
      url.pathname === "/api/process"
        ? { status: 202, body: { id: nextId++, url: `/media/posecraft/uploads/${nextId}.jpg`, status: "pending", duplicate: false } }
        : undefined,
    );
    const { container } = render(<App />);
    const page = container.querySelector(".app")!;
    const photos = ["front.jpg", "back.png"].map((name) => new File([new Uint8Array(64)], name, { type: name.endsWith("png") ? "image/png" : "image/jpeg" }));
    fireEvent.dragOver(page, { dataTransfer: { types: ["Files"], files: photos } });
    expect(screen.getByText("Drop photos to upload")).toBeInTheDocument();
    fireEvent.drop(page, { dataTransfer: { types: ["Files"], files: photos } });
    await waitFor(() => expect(screen.getByText("2 photos queued")).toBeInTheDocument());
    expect(screen.queryByText("Drop photos to upload")).toBeNull();
    const sentNames = calls(fetchMock, "/api/process").map(([, init]) => ((init!.body as FormData).get("file") as File).name);
    expect(sentNames.sort()).toEqual(["back.png", "front.jpg"]);
  });

  it("shows the server's reason when it refuses the bytes", async () => {
    serve((url) => (url.pathname === "/api/process" ? { status: 422, body: { error: "the file is not a supported image (JPEG, PNG, WebP)" } } : undefined));
    render(<App />);
    await userEvent.upload(screen.getByLabelText("Choose photos…"), new File(["not really"], "fake.jpg", { type: "image/jpeg" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "fake.jpg was not uploaded: the file is not a supported image (JPEG, PNG, WebP) (HTTP 422)",
    );
  });

  it("refuses a photo over the limit the server states without sending it", async () => {
    const fetchMock = serve((url) => (url.pathname === "/api/openapi.json" ? { status: 200, body: { "x-limits": { maxUploadBytes: 1000 } } } : undefined));
    render(<App />);
    expect(await screen.findByText(/up to 1000 B each/)).toBeInTheDocument();
    await userEvent.upload(screen.getByLabelText("Choose photos…"), new File([new Uint8Array(2048)], "big.jpg", { type: "image/jpeg" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("big.jpg was not uploaded: is 2.0 kB; the limit is 1000 B");
    expect(calls(fetchMock, "/api/process")).toHaveLength(0);
  });
});

describe("the shared catalogue", () => {
  it("lists what the server has, newest first, with the counts in the status filter, and loads more on demand", async () => {
    const fetchMock = serve((url) =>
      url.pathname !== "/api/images"
        ? undefined
        : url.searchParams.get("cursor") === "7"
          ? page([record({ id: 5 }), record({ id: 2, status: "failed", error: "the URL answered 404 Not Found" })], null, { pending: 2, processed: 1, failed: 1 })
          : page([processed(9), record({ id: 7 })], "7", { pending: 2, processed: 1, failed: 1 }),
    );
    render(<App />);
    await waitFor(() => expect(shownIds()).toEqual(["#9", "#7"]));
    expect(screen.getByLabelText("Show")).toHaveDisplayValue("All (4)");
    expect(within(screen.getByLabelText("Show")).getByRole("option", { name: "Failed (1)" })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Load more" }));
    await waitFor(() => expect(shownIds()).toEqual(["#9", "#7", "#5", "#2"]));
    expect(screen.getByText("the URL answered 404 Not Found")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
    const first = new URL(String(calls(fetchMock, "/api/images")[0][0]), "http://page.test").searchParams;
    // The rows are asked for without the counts, which come by themselves: the rows never wait for the counting.
    expect([first.get("limit"), first.get("counts")]).toEqual(["50", "false"]);
    expect(calls(fetchMock, "/api/images/counts")).toHaveLength(1);
  });

  it("asks the server for one status, and for what the search box says", async () => {
    const fetchMock = serve((url) =>
      url.pathname !== "/api/images"
        ? undefined
        : url.searchParams.get("status") === "failed"
          ? page([record({ id: 3, status: "failed", error: "x" })])
          : url.searchParams.get("q") === "Dress"
            ? page([record({ id: 4, name: "red-dress.jpg" })])
            : page([processed(1), record({ id: 3, status: "failed", error: "x" }), record({ id: 4, name: "red-dress.jpg" })]),
    );
    render(<App />);
    await waitFor(() => expect(shownIds()).toEqual(["#4", "#3", "#1"]));
    await userEvent.selectOptions(screen.getByLabelText("Show"), "failed");
    await waitFor(() => expect(shownIds()).toEqual(["#3"]));
    await userEvent.selectOptions(screen.getByLabelText("Show"), "");
    await userEvent.type(screen.getByLabelText("Search"), "Dress");
    await waitFor(() => expect(shownIds()).toEqual(["#4"]));
    const asked = calls(fetchMock, "/api/images").map(([input]) => new URL(String(input), "http://page.test").searchParams);
    expect(asked.some((params) => params.get("status") === "failed")).toBe(true);
    // One request for the whole word: the box waits until typing pauses.
    expect(asked.filter((params) => params.has("q")).map((params) => params.get("q"))).toEqual(["Dress"]);
  });

  it("adds an image another user submitted, changes it and removes it as the stream says", async () => {
    serve((url) => (url.pathname === "/api/images" ? page([processed(3)]) : undefined));
    render(<App />);
    await waitFor(() => expect(shownIds()).toEqual(["#3"]));
    stream().open();
    stream().emit(record({ id: 8, name: "colleague.jpg" }));
    await waitFor(() => expect(shownIds()).toEqual(["#8", "#3"]));
    expect(screen.getByLabelText("Show")).toHaveDisplayValue("All (2)");
    stream().emit(record({ id: 8, name: "colleague.jpg", status: "failed", error: "no person found in the image" }));
    expect(await screen.findByText("no person found in the image")).toBeInTheDocument();
    expect(within(screen.getByLabelText("Show")).getByRole("option", { name: "Failed (1)" })).toBeInTheDocument();
    stream().emit({ id: 3, deleted: true });
    await waitFor(() => expect(shownIds()).toEqual(["#8"]));
    expect(screen.getByLabelText("Show")).toHaveDisplayValue("All (1)");
  });

  it("says it is reconnecting while the stream is down, polls the pending rows, and reads the list again once back", async () => {
    let listed = 0;
    const fetchMock = serve((url) => {
      if (url.pathname === "/api/images") {
        if (url.searchParams.get("counts") === "false") listed += 1; // a read of the rows, not of the counts
        return listed <= 1 ? page([record({ id: 6 })]) : page([processed(6), record({ id: 11 })]);
      }
      if (url.pathname === "/api/image-status") return { status: 200, body: { items: [processed(6)], missing: [] } };
      return undefined;
    });
    render(<App />);
    stream().open();
    const row = (await screen.findByText("#6")).closest("tr")!;
    expect(screen.getByText("Live")).toBeInTheDocument();
    stream().fail(true);
    expect(screen.getByText(/Reconnecting…/)).toBeInTheDocument();
    await within(row).findByText("Processed", {}, { timeout: POLL_INTERVAL_MS + 2000 });
    expect(new URL(String(calls(fetchMock, "/api/image-status")[0][0]), "http://page.test").searchParams.get("ids")).toBe("6");
    // A refused stream is opened again by the page; once it is open the list is read again (events may be lost).
    await waitFor(() => expect(FakeEventSource.instances).toHaveLength(2), { timeout: 3000 });
    stream().open();
    await waitFor(() => expect(shownIds()).toEqual(["#11", "#6"]));
    expect(screen.getByText("Live")).toBeInTheDocument();
  }, 10_000);

  it("says so when the catalogue cannot be loaded", async () => {
    serve((url) => (url.pathname === "/api/images" ? { status: 503, body: { error: "MongoDB is unavailable: ServerSelectionTimeoutError" } } : undefined));
    render(<App />);
    expect(await screen.findByRole("alert")).toHaveTextContent("Could not load the catalogue: MongoDB is unavailable: ServerSelectionTimeoutError (HTTP 503)");
  });
});

describe("a row's actions", () => {
  it("deletes an image after a confirm dialog that names it", async () => {
    const fetchMock = serve((url, init) =>
      url.pathname === "/api/images" ? page([processed(4, { name: "front.jpg" }), processed(3)]) : url.pathname === "/api/images/4" && init?.method === "DELETE" ? { status: 204, body: null } : undefined,
    );
    render(<App />);
    await waitFor(() => expect(shownIds()).toEqual(["#4", "#3"]));
    await userEvent.click(screen.getByRole("button", { name: "Delete front.jpg" }));
    const dialog = screen.getByRole("alertdialog", { name: "Delete front.jpg?" });
    expect(dialog).toHaveTextContent("Image #4, its views and its uploaded original are removed for everyone on the team.");
    expect(within(dialog).getByRole("button", { name: "Cancel" })).toHaveFocus();
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(calls(fetchMock, "/api/images/4")).toHaveLength(0);
    await userEvent.click(screen.getByRole("button", { name: "Delete front.jpg" }));
    await userEvent.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(shownIds()).toEqual(["#3"]));
    expect(await screen.findByRole("status")).toHaveTextContent("front.jpg was deleted");
    expect(calls(fetchMock, "/api/images/4")[0][1]?.method).toBe("DELETE");
  });

  it("processes an image again with the preset and cut-out its dialog asks for and shows it pending under that preset; a refusal shows the server's reason", async () => {
    let tries = 0;
    const fetchMock = serve((url, init) => {
      if (url.pathname === "/api/images") return page([processed(5, { name: "look.jpg", preset: "zalando", cutout: true })]);
      if (url.pathname === "/api/presets") return { status: 200, body: PRESETS };
      if (url.pathname === "/api/images/5/reprocess") {
        tries += 1;
        const asked = JSON.parse(String(init!.body)) as { preset: string; cutout: boolean };
        return tries === 1 ? { status: 202, body: record({ id: 5, name: "look.jpg", ...asked }) } : { status: 409, body: { error: "image 5 is pending" } };
      }
      return undefined;
    });
    render(<App />);
    const row = (await screen.findByText("#5")).closest("tr")!;
    await within(row).findByText("Zalando");
    await userEvent.click(within(row).getByRole("button", { name: "Re-process look.jpg…" }));
    const dialog = screen.getByRole("dialog", { name: "Re-process look.jpg?" });
    expect(dialog).toHaveAccessibleDescription("Its views are made again and replace the ones it has now (made with Zalando + cut-out).");
    // It starts on the image's own preset and cut-out; Cancel sends nothing.
    expect(within(dialog).getByLabelText("Preset")).toHaveDisplayValue("Zalando");
    expect(within(dialog).getByLabelText(/Also a cut-out/)).toBeChecked();
    await userEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(calls(fetchMock, "/api/images/5/reprocess")).toHaveLength(0);
    await userEvent.click(within(row).getByRole("button", { name: "Re-process look.jpg…" }));
    const asking = screen.getByRole("dialog");
    await userEvent.selectOptions(within(asking).getByLabelText("Preset"), "Shopify");
    expect(within(asking).getByLabelText("Preset")).toHaveAccessibleDescription("every view 1:1 (width:height), padded with white if need be");
    await userEvent.click(within(asking).getByLabelText(/Also a cut-out/));
    await userEvent.click(within(asking).getByRole("button", { name: "Re-process" }));
    expect(screen.queryByRole("dialog")).toBeNull();
    await within(row).findByText("Pending");
    const [, sent] = calls(fetchMock, "/api/images/5/reprocess")[0];
    expect([sent?.method, new Headers(sent?.headers).get("Content-Type"), JSON.parse(String(sent?.body))]).toEqual(["POST", "application/json", { preset: "shopify", cutout: false, upscale: false }]);
    expect(within(row).getByText(/^Preset:/)).toHaveTextContent(/^Preset: Shopify$/);
    expect(screen.getByRole("status")).toHaveTextContent("look.jpg is queued to be processed again");
    expect(within(row).getByRole("button", { name: "Re-process look.jpg…" })).toBeDisabled();
    stream().emit(processed(5, { name: "look.jpg", preset: "shopify" }));
    await within(row).findByText("Processed");
    await userEvent.click(within(row).getByRole("button", { name: "Re-process look.jpg…" }));
    // From the keyboard: the focus starts on the preset (now the image's own), Tab goes on to the cut-out, the enlarge
    // box, Cancel and Re-process, then back round to the preset; Enter on Re-process sends what the dialog shows.
    const again = within(screen.getByRole("dialog"));
    expect(again.getByLabelText("Preset")).toHaveFocus();
    expect(again.getByLabelText("Preset")).toHaveDisplayValue("Shopify");
    await userEvent.tab();
    expect(again.getByLabelText(/Also a cut-out/)).toHaveFocus();
    await userEvent.tab();
    expect(again.getByLabelText(/^Enlarge small views/)).toHaveFocus();
    await userEvent.tab();
    await userEvent.tab();
    expect(again.getByRole("button", { name: "Re-process" })).toHaveFocus();
    await userEvent.tab();
    expect(again.getByLabelText("Preset")).toHaveFocus();
    await userEvent.tab({ shift: true });
    await userEvent.keyboard("{Enter}");
    expect(await screen.findByRole("alert")).toHaveTextContent("look.jpg was not queued again: image 5 is pending (HTTP 409)");
    expect(JSON.parse(String(calls(fetchMock, "/api/images/5/reprocess")[1][1]?.body))).toEqual({ preset: "shopify", cutout: false, upscale: false });
  });

  it("processes the selected images again with one dialog, one request each, leaving out the pending one and naming each that failed", async () => {
    const fetchMock = serve((url, init) => {
      if (url.pathname === "/api/images") {
        return page([processed(9, { name: "a.jpg", preset: "zalando" }), processed(8, { name: "b.jpg", preset: "shopify", cutout: true }), record({ id: 7, name: "c.jpg" })]);
      }
      if (url.pathname === "/api/presets") return { status: 200, body: PRESETS };
      if (url.pathname === "/api/images/9/reprocess") return { status: 202, body: record({ id: 9, name: "a.jpg", ...JSON.parse(String(init!.body)) }) };
      if (url.pathname === "/api/images/8/reprocess") return { status: 503, body: { error: "the job queue (Redis) is unavailable" } };
      return undefined;
    });
    render(<App />);
    await waitFor(() => expect(shownIds()).toEqual(["#9", "#8", "#7"]));
    await userEvent.click(screen.getByRole("checkbox", { name: "Select c.jpg" }));
    // Only a pending image selected: nothing to process again yet.
    expect(screen.getByRole("button", { name: "Re-process selected…" })).toBeDisabled();
    await userEvent.click(screen.getByRole("checkbox", { name: "Select every image listed" }));
    await userEvent.click(screen.getByRole("button", { name: "Re-process selected…" }));
    const dialog = screen.getByRole("dialog", { name: "Re-process 2 images?" });
    expect(dialog).toHaveTextContent("1 selected image is pending: it is left out.");
    // Different presets and cut-outs: each keeps its own unless another is chosen.
    await waitFor(() => expect(within(dialog).getByLabelText("Preset")).toHaveDisplayValue("Each image's own (Zalando, Shopify)"));
    expect(within(dialog).getByLabelText(/Also a cut-out/)).toBePartiallyChecked();
    await userEvent.selectOptions(within(dialog).getByLabelText("Preset"), "Amazon");
    await userEvent.click(within(dialog).getByRole("button", { name: "Re-process" }));

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("1 image was not queued again (1 queued):");
    expect(alert).toHaveTextContent("b.jpg — the job queue (Redis) is unavailable (HTTP 503)");
    expect(calls(fetchMock, "/api/images/7/reprocess")).toHaveLength(0);
    // Neither is enlarged: that choice is the same for both, so it is sent.
    for (const id of [9, 8]) expect(JSON.parse(String(calls(fetchMock, `/api/images/${id}/reprocess`)[0][1]?.body))).toEqual({ preset: "amazon", upscale: false });
    const row = (id: number) => screen.getByText(`#${id}`).closest("tr")!;
    await within(row(9)).findByText("Pending");
    expect(within(row(9)).getByText(/^Preset:/)).toHaveTextContent(/^Preset: Amazon$/);
    expect(within(row(8)).getByText(/^Preset:/)).toHaveTextContent(/^Preset: Shopify \+ cut-out$/);
  });

  it("downloads the selected rows' views as one ZIP", async () => {
    serve((url) => (url.pathname === "/api/images" ? page([processed(9, { name: "a.jpg" }), processed(8, { name: "b.jpg" }), processed(7, { name: "c.jpg" })]) : undefined));
    render(<App />);
    await waitFor(() => expect(shownIds()).toEqual(["#9", "#8", "#7"]));
    expect(screen.queryByRole("link", { name: /^Download \d+ as ZIP$/ })).toBeNull();
    await userEvent.click(screen.getByRole("checkbox", { name: "Select a.jpg" }));
    await userEvent.click(screen.getByRole("checkbox", { name: "Select c.jpg" }));
    const zip = screen.getByRole("link", { name: "Download 2 as ZIP" });
    expect(zip).toHaveAttribute("href", "/api/images/views.zip?ids=9,7");
    await userEvent.click(screen.getByRole("button", { name: "Clear selection" }));
    expect(screen.queryByRole("link", { name: /Download \d+ as ZIP/ })).toBeNull();
  });
});

describe("the lightbox", () => {
  it("shows a view full size with its label, pixel size and a download link, keeps Tab inside, and Esc closes it", async () => {
    serve((url) => (url.pathname === "/api/images" ? page([processed(8)]) : undefined));
    render(<App />);
    const thumb = await screen.findByRole("button", { name: "Open Length View of image #8 full size" });
    await userEvent.click(thumb);
    const dialog = screen.getByRole("dialog");
    expect(dialog).toHaveAccessibleName("Length View · image #8, 640 × 800 px");
    const download = within(dialog).getByRole("link", { name: "Download" });
    expect(download).toHaveAttribute("href", "/media/posecraft/views/length.jpg");
    // Named like the views ZIP's files: the image's name without its extension, then the view.
    expect(download).toHaveAttribute("download", "look-8-length.jpg");
    expect(within(dialog).getByRole("img")).toHaveAttribute("src", "/media/posecraft/views/length.jpg");
    const close = within(dialog).getByRole("button", { name: /Close/ });
    expect(close).toHaveFocus();
    await userEvent.tab({ shift: true });
    expect(download).toHaveFocus();
    await userEvent.tab({ shift: true });
    expect(within(dialog).getByRole("button", { name: "On White" })).toHaveFocus();
    await userEvent.tab();
    expect(download).toHaveFocus();
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(thumb).toHaveFocus();
  });

  it("reaches the cut-out from the row's on-white view: on a checkerboard, downloadable as a PNG, with what the views miss", async () => {
    const notes = ["below Zalando's minimum 762 x 1100: the view is 500 x 720 (the photo is 810 x 1080)"];
    const shots = [
      ...processed(9).shots.map((candidate) => (candidate.label === "onwhite" ? { ...candidate, notes, padded: true } : candidate)),
      shot("cutout", { url: "/media/posecraft/views/9-ab/cutout.png", width: 500, height: 720, notes, upscaled: true }),
    ];
    serve((url) => {
      if (url.pathname === "/api/images") return page([processed(9, { name: "Red dress.jpeg", preset: "zalando", cutout: true, shots })]);
      if (url.pathname === "/api/presets") return { status: 200, body: PRESETS };
      return undefined;
    });
    render(<App />);
    // The cut-out has no column of its own.
    expect(screen.queryByRole("columnheader", { name: /Cut-out/ })).toBeNull();
    await userEvent.click(await screen.findByRole("button", { name: "Open On White of image #9 full size" }));
    const dialog = screen.getByRole("dialog");
    expect(within(dialog).getByRole("button", { name: "On White" })).toHaveAttribute("aria-pressed", "true");
    expect(dialog).toHaveTextContent("Preset: Zalando");
    expect(within(dialog).getByRole("list", { name: "What of the preset this view misses" })).toHaveTextContent(notes[0]);
    expect(dialog).toHaveTextContent("Padded: white fills the part past the photo's edge.");

    await userEvent.click(within(dialog).getByRole("button", { name: "Cut-out" }));
    expect(dialog).toHaveAccessibleName("Cut-out · image #9, 500 × 720 px");
    expect(within(dialog).getByRole("img")).toHaveAttribute("src", "/media/posecraft/views/9-ab/cutout.png");
    expect(within(dialog).getByRole("img")).toHaveClass("checkerboard");
    const download = within(dialog).getByRole("link", { name: "Download" });
    expect(download).toHaveAttribute("href", "/media/posecraft/views/9-ab/cutout.png");
    expect(download).toHaveAttribute("download", "Red dress-cutout.png");
    expect(dialog).toHaveTextContent("The background is transparent");
    expect(dialog).toHaveTextContent("Upscaled: written larger than the photo's own pixels, to reach the preset's minimum size.");
    expect(within(dialog).getByRole("list", { name: "What of the preset this view misses" })).toHaveTextContent(notes[0]);

    await userEvent.click(within(dialog).getByRole("button", { name: "Original" }));
    expect(within(dialog).getByRole("img")).toHaveAttribute("src", "https://cdn.example.com/look-9.jpg");
    expect(within(dialog).getByRole("img")).not.toHaveClass("checkerboard");
    expect(within(dialog).getByRole("link", { name: "Download" })).toHaveAttribute("download", "Red dress.jpg");
  });

  it("opens the cut-out straight from the on-white view's cell", async () => {
    const shots = [...processed(10).shots, shot("cutout", { url: "/media/posecraft/views/10-cd/cutout.png" })];
    serve((url) => (url.pathname === "/api/images" ? page([processed(10, { cutout: true, shots })]) : undefined));
    render(<App />);
    await userEvent.click(await screen.findByRole("button", { name: "Open Cut-out of image #10 full size" }));
    expect(screen.getByRole("dialog")).toHaveAccessibleName("Cut-out · image #10, 640 × 800 px");
    expect(within(screen.getByRole("dialog")).getByRole("link", { name: "Download" })).toHaveAttribute("download", "look-10-cutout.png");
  });
});

/** GET /api/presets of a server with a team's own preset (PRESETS_FILE) beside the built-in ones. */
const PRESETS = {
  default: "default",
  items: [
    { name: "default", title: "Default", rules: ["the views as configured (VIEW_ASPECTS, VIEW_FORMAT)"], minSize: null, minLongSide: null, upscale: false },
    { name: "amazon", title: "Amazon", rules: ["at least 1000 px on the longest side", "JPEG files", "smaller views flagged"], minSize: null, minLongSide: 1000, upscale: false },
    { name: "zalando", title: "Zalando", rules: ["every view 25:36 (width:height), padded with white if need be", "at least 762 x 1100", "smaller views flagged"], minSize: [762, 1100], minLongSide: null, upscale: false },
    { name: "shopify", title: "Shopify", rules: ["every view 1:1 (width:height), padded with white if need be"], minSize: null, minLongSide: null, upscale: false },
    { name: "lookbook", title: "Lookbook", rules: ["every view 4:5 (width:height), padded with white if need be", "at least 800 x 1000"], minSize: [800, 1000], minLongSide: null, upscale: false },
  ],
};

const optionTexts = (select: HTMLElement) => within(select).getAllByRole("option").map((option) => option.textContent);

describe("choosing the output", () => {
  it("offers the presets the server knows, a team's own included, and sends the chosen one and the cut-out with the URLs and each photo", async () => {
    const fetchMock = serve((url) => {
      if (url.pathname === "/api/presets") return { status: 200, body: PRESETS };
      if (url.pathname === "/api/process-batch") return { status: 202, body: { items: [] } };
      if (url.pathname === "/api/process") {
        return { status: 202, body: { id: 60, url: "/media/posecraft/uploads/60.jpg", status: "pending", duplicate: false } };
      }
      return { status: 200, body: { items: [] } };
    });
    render(<App />);
    const picker = screen.getByLabelText("Preset");
    // Before the list has come: the server's default alone.
    expect(optionTexts(picker)).toEqual(["Server default"]);
    await waitFor(() => expect(optionTexts(picker)).toEqual(["Server default (Default)", "Default", "Amazon", "Zalando", "Shopify", "Lookbook"]));
    expect(picker).toHaveValue("");
    await userEvent.selectOptions(picker, "Lookbook");
    expect(picker).toHaveAccessibleDescription("every view 4:5 (width:height), padded with white if need be at least 800 x 1000");
    await userEvent.click(screen.getByLabelText(/Also a cut-out/));
    await pasteAndSend("https://a.test/1.jpg");
    await waitFor(() => expect(calls(fetchMock, "/api/process-batch")).toHaveLength(1));
    expect(JSON.parse(String(calls(fetchMock, "/api/process-batch")[0][1]!.body))).toEqual({
      imageUrls: ["https://a.test/1.jpg"], preset: "lookbook", cutout: true,
    });
    const photo = new File([new Uint8Array(100)], "look.jpg", { type: "image/jpeg" });
    await userEvent.upload(screen.getByLabelText("Choose photos…"), photo);
    await waitFor(() => expect(calls(fetchMock, "/api/process")).toHaveLength(1));
    const form = calls(fetchMock, "/api/process")[0][1]!.body as FormData;
    expect([form.get("preset"), form.get("cutout")]).toEqual(["lookbook", "true"]);
  });

  it("enlarges small views when asked: the box says what it does under the chosen preset and is sent, only ticked, with the URLs and each photo", async () => {
    const fetchMock = serve((url) => {
      if (url.pathname === "/api/presets") return { status: 200, body: PRESETS };
      if (url.pathname === "/api/process-batch") return { status: 202, body: { items: [] } };
      if (url.pathname === "/api/process") {
        return { status: 202, body: { id: 61, url: "/media/posecraft/uploads/61.jpg", status: "pending", duplicate: false } };
      }
      return { status: 200, body: { items: [] } };
    });
    render(<App />);
    const enlarge = screen.getByLabelText("Enlarge small views to the preset's minimum (marked upscaled)");
    expect(enlarge).not.toBeChecked();
    expect(enlarge).toHaveAccessibleDescription("Only a preset with a minimum size enlarges views.");
    // The server's default is Default, which has no minimum.
    await waitFor(() => expect(enlarge).toHaveAccessibleDescription("Default has no minimum size: nothing is enlarged."));
    await pasteAndSend("https://a.test/3.jpg");
    await waitFor(() => expect(calls(fetchMock, "/api/process-batch")).toHaveLength(1));
    expect(JSON.parse(String(calls(fetchMock, "/api/process-batch")[0][1]!.body))).toEqual({ imageUrls: ["https://a.test/3.jpg"] });
    await userEvent.selectOptions(screen.getByLabelText("Preset"), "Zalando");
    expect(enlarge).toHaveAccessibleDescription("Zalando flags views below its minimum; ticked, they are enlarged to it instead.");
    await userEvent.click(enlarge);
    await pasteAndSend("https://a.test/4.jpg");
    await waitFor(() => expect(calls(fetchMock, "/api/process-batch")).toHaveLength(2));
    expect(JSON.parse(String(calls(fetchMock, "/api/process-batch")[1][1]!.body))).toEqual({ imageUrls: ["https://a.test/4.jpg"], preset: "zalando", upscale: true });
    await userEvent.upload(screen.getByLabelText("Choose photos…"), new File([new Uint8Array(100)], "small.jpg", { type: "image/jpeg" }));
    await waitFor(() => expect(calls(fetchMock, "/api/process")).toHaveLength(1));
    const form = calls(fetchMock, "/api/process")[0][1]!.body as FormData;
    expect([form.get("preset"), form.get("cutout"), form.get("upscale")]).toEqual(["zalando", null, "true"]);
  });

  it("names the server's own default and shows its rules until another is chosen", async () => {
    serve((url) => (url.pathname === "/api/presets" ? { status: 200, body: { ...PRESETS, default: "zalando" } } : undefined));
    render(<App />);
    const picker = screen.getByLabelText("Preset");
    await waitFor(() => expect(optionTexts(picker)[0]).toBe("Server default (Zalando)"));
    expect(picker).toHaveAccessibleDescription(/^every view 25:36 \(width:height\)/);
  });

  it("still offers the server's default, and sends no preset, when the presets cannot be read", async () => {
    const fetchMock = serve((url) => {
      if (url.pathname === "/api/presets") return { status: 503, body: { error: "MongoDB is unavailable" } };
      if (url.pathname === "/api/process-batch") return { status: 202, body: { items: [] } };
      return undefined;
    });
    render(<App />);
    const picker = screen.getByLabelText("Preset");
    await waitFor(() => expect(picker).toHaveAccessibleDescription(/could not be read \(MongoDB is unavailable \(HTTP 503\)\)/));
    expect(optionTexts(picker)).toEqual(["Server default"]);
    await pasteAndSend("https://a.test/2.jpg");
    await waitFor(() => expect(calls(fetchMock, "/api/process-batch")).toHaveLength(1));
    expect(JSON.parse(String(calls(fetchMock, "/api/process-batch")[0][1]!.body))).toEqual({ imageUrls: ["https://a.test/2.jpg"] });
  });

  it("shows each row's preset by the title the server gives it", async () => {
    serve((url) => {
      if (url.pathname === "/api/images") return page([processed(32, { preset: "zalando", upscale: true }), processed(31, { preset: "lookbook", cutout: true }), record({ id: 30, preset: "zalando" })]);
      if (url.pathname === "/api/presets") return { status: 200, body: PRESETS };
      return undefined;
    });
    render(<App />);
    const row = (id: number) => screen.getByText(`#${id}`).closest("tr")!;
    await waitFor(() => expect(within(row(31)).getByText(/^Preset:/)).toHaveTextContent("Preset: Lookbook + cut-out"));
    expect(within(row(30)).getByText(/^Preset:/)).toHaveTextContent(/^Preset: Zalando$/);
    expect(within(row(32)).getByText(/^Preset:/)).toHaveTextContent(/^Preset: Zalando \+ enlarged$/);
  });
});

describe("signing in", () => {
  const KEY = "pck_right";

  /** A server that requires keys: every route but the sign-in is 401 until the page holds a session. */
  function serveLocked(route: Route = () => undefined) {
    let session = false;
    const fetchMock = serve((url, init) => {
      if (url.pathname === "/api/session" && init?.method === "POST") {
        const { key } = JSON.parse(String(init.body)) as { key: string };
        if (key !== KEY) return { status: 401, body: { error: "that API key is not known or was revoked" } };
        session = true;
        return { status: 200, body: { signedIn: true, key: "editor" } };
      }
      if (url.pathname === "/api/session" && init?.method === "DELETE") {
        session = false;
        return { status: 204, body: null };
      }
      if (!session) return { status: 401, body: { error: "an API key is required: Authorization: Bearer <key>" } };
      if (url.pathname === "/api/session") return { status: 200, body: { authRequired: true, key: "editor" } };
      return route(url, init);
    });
    return { fetchMock, signInDirectly: () => (session = true) };
  }

  async function typeKeyAndSend(key: string) {
    const box = screen.getByLabelText("API key");
    await userEvent.clear(box);
    await userEvent.type(box, key);
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
  }

  it("asks for a key on a 401, says where keys come from, shows the server's reason for a wrong one, and loads the catalogue once signed in", async () => {
    const { fetchMock } = serveLocked((url) => (url.pathname === "/api/images" ? page([record({ id: 4, name: "look.jpg" })]) : undefined));
    render(<App />);
    const panel = await screen.findByRole("form", { name: "Sign in" });
    expect(panel).toHaveTextContent("Ask your admin for one");
    expect(panel).toHaveTextContent("posecraft keys create NAME");
    expect(screen.queryByLabelText("Image URLs")).not.toBeInTheDocument();

    await typeKeyAndSend("pck_wrong");
    expect(await within(panel).findByRole("alert")).toHaveTextContent("Not signed in: that API key is not known or was revoked (HTTP 401)");
    expect(screen.getByRole("form", { name: "Sign in" })).toBeInTheDocument();

    await typeKeyAndSend(KEY);
    expect(await screen.findByText("#4")).toBeInTheDocument();
    expect(screen.queryByRole("form", { name: "Sign in" })).not.toBeInTheDocument();
    expect(screen.getByText(/Signed in as/)).toHaveTextContent("Signed in as editor");
    const signIns = fetchMock.mock.calls.filter(([input, init]) => String(input).endsWith("/api/session") && init?.method === "POST");
    expect(signIns.map(([, init]) => JSON.parse(String(init!.body)))).toEqual([{ key: "pck_wrong" }, { key: KEY }]);
  });

  it("signs out with DELETE /api/session: the sign-in panel shows, the stream stays closed, and signing in opens it again", async () => {
    const { fetchMock, signInDirectly } = serveLocked();
    signInDirectly();
    render(<App />);
    stream().open();
    expect(await screen.findByText("Signed in as")).toHaveTextContent("Signed in as editor");
    await userEvent.click(screen.getByRole("button", { name: "Sign out" }));
    await screen.findByRole("form", { name: "Sign in" });
    expect(fetchMock.mock.calls.some(([input, init]) => String(input).endsWith("/api/session") && init?.method === "DELETE")).toBe(true);
    const opened = FakeEventSource.instances.length;
    expect(stream().readyState).toBe(FakeEventSource.CLOSED);
    await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS * 2.5));
    expect(FakeEventSource.instances).toHaveLength(opened);

    await typeKeyAndSend(KEY);
    await waitFor(() => expect(FakeEventSource.instances).toHaveLength(opened + 1));
    stream().open();
    expect(await screen.findByText("Live")).toBeInTheDocument();
  });

  it("asks for a key when the live stream is refused with a 401, and does not reopen it", async () => {
    let session = true;
    serve(() => (session ? undefined : { status: 401, body: { error: "the session has expired; sign in again" } }));
    render(<App />);
    stream().open();
    await screen.findByText("Live");
    session = false;
    stream().fail(true);
    expect(await screen.findByRole("form", { name: "Sign in" })).toBeInTheDocument();
    await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS * 2.5));
    expect(FakeEventSource.instances).toHaveLength(1);
  });

  it("shows no sign-out when the server requires no key", async () => {
    serve((url) => (url.pathname === "/api/session" ? { status: 200, body: { authRequired: false, key: null } } : undefined));
    render(<App />);
    stream().open();
    await screen.findByText("Live");
    expect(screen.queryByRole("button", { name: "Sign out" })).not.toBeInTheDocument();
    expect(screen.queryByRole("form", { name: "Sign in" })).not.toBeInTheDocument();
  });
});
