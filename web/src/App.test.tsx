// The page against a scripted API: what the user sees for each answer the server can give.
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "./App";
import { POLL_INTERVAL_MS } from "./useImages";
import { processed, record } from "./test/records";

type Answer = { status: number; body: unknown } | "network-failure";
type Route = (url: URL, init?: RequestInit) => Answer;

function serve(route: Route) {
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const answer = route(new URL(String(input), "http://page.test"), init);
    if (answer === "network-failure") throw new TypeError("Failed to fetch");
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { "Content-Type": "application/json" } });
  });
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

const calls = (fetchMock: ReturnType<typeof serve>, path: string) =>
  fetchMock.mock.calls.filter(([input]) => new URL(String(input), "http://page.test").pathname === path);

async function pasteAndSend(text: string) {
  await userEvent.type(screen.getByLabelText("Image URLs"), text);
  await userEvent.click(screen.getByRole("button", { name: "Process URLs" }));
}

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("sending URLs", () => {
  it("sends nothing and names each bad entry when one is not an http(s) URL", async () => {
    const fetchMock = serve(() => ({ status: 500, body: {} }));
    render(<App />);
    await pasteAndSend("https://a.test/1.jpg{enter}www.example.com/2.jpg");
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Nothing was sent: 1 entry is not an absolute http(s) URL.");
    expect(alert).toHaveTextContent("www.example.com/2.jpg — not an absolute URL");
    expect(calls(fetchMock, "/api/process-batch")).toHaveLength(0);
    expect(screen.getByLabelText("Image URLs")).toHaveValue("https://a.test/1.jpg\nwww.example.com/2.jpg");
  });

  it("shows the server's reason for each refused URL", async () => {
    serve(() => ({
      status: 400,
      body: { error: "1 of 2 URLs cannot be used", invalid: [{ url: "http://127.0.0.1/x.jpg", reason: "points to a loopback address" }] },
    }));
    render(<App />);
    await pasteAndSend("https://a.test/1.jpg http://127.0.0.1/x.jpg");
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("The server refused the URLs: 1 of 2 URLs cannot be used (HTTP 400)");
    expect(alert).toHaveTextContent("http://127.0.0.1/x.jpg — points to a loopback address");
  });

  it("says the server could not be reached on a network failure and keeps the text", async () => {
    serve(() => "network-failure");
    render(<App />);
    await pasteAndSend("https://a.test/1.jpg");
    expect(await screen.findByRole("alert")).toHaveTextContent("The URLs were not sent: could not reach the server");
    expect(screen.getByLabelText("Image URLs")).toHaveValue("https://a.test/1.jpg");
  });

  it("adds a pending row per accepted URL, clears the box and polls until they are done", async () => {
    let polls = 0;
    const fetchMock = serve((url) => {
      if (url.pathname === "/api/process-batch") {
        return { status: 202, body: { items: [{ id: 21, url: "https://a.test/1.jpg", status: "pending", duplicate: false }] } };
      }
      if (url.pathname !== "/api/image-status") return { status: 404, body: { error: "not found" } };
      polls += 1;
      return { status: 200, body: { items: [polls < 2 ? record({ id: 21 }) : processed(21)] } };
    });
    render(<App />);
    await pasteAndSend("https://a.test/1.jpg");
    expect(await screen.findByRole("status")).toHaveTextContent("1 URL queued");
    expect(screen.getByLabelText("Image URLs")).toHaveValue("");
    const row = screen.getByText("#21").closest("tr")!;
    await within(row).findByText("Pending");
    await within(row).findByText("Processed", {}, { timeout: POLL_INTERVAL_MS + 2000 });
    expect(within(row).getAllByRole("button", { name: /(View|On White) of image #21 full size/ })).toHaveLength(6);
    const statusCalls = calls(fetchMock, "/api/image-status");
    expect(new URL(String(statusCalls[0][0]), "http://page.test").searchParams.get("ids")).toBe("21");
    // Nothing pending: no more requests.
    await act(() => new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS + 500)));
    expect(calls(fetchMock, "/api/image-status")).toHaveLength(statusCalls.length);
    expect(JSON.parse(localStorage.getItem("posecraft.imageIds")!)).toEqual([21]);
  }, 10_000);

  it("marks the existing row when a URL was already submitted", async () => {
    localStorage.setItem("posecraft.imageIds", "[30]");
    serve((url) =>
      url.pathname === "/api/process-batch"
        ? { status: 202, body: { items: [{ id: 30, url: "https://cdn.example.com/look-30.jpg", status: "processed", duplicate: true }] } }
        : { status: 200, body: { items: [processed(30)] } },
    );
    render(<App />);
    const row = (await screen.findByText("#30")).closest("tr")!;
    await within(row).findByText("Processed");
    await pasteAndSend("https://cdn.example.com/look-30.jpg");
    expect(await screen.findByRole("status")).toHaveTextContent("1 URL queued; 1 was already submitted");
    expect(screen.getAllByText(/^#\d+$/)).toHaveLength(1);
    expect(within(row).getByText("resubmitted")).toBeInTheDocument();
  });
});

describe("uploading photos", () => {
  it("refuses a non-image before sending and sends the photo, with one message for both", async () => {
    const fetchMock = serve((url) =>
      url.pathname === "/api/process"
        ? { status: 202, body: { id: 40, url: "/media/posecraft/uploads/40.jpg", status: "pending", duplicate: false } }
        : { status: 200, body: { items: [record({ id: 40, url: "/media/posecraft/uploads/40.jpg" })] } },
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
        : { status: 200, body: { items: [] } },
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
    serve(() => ({ status: 422, body: { error: "the file is not a supported image (JPEG, PNG, WebP)" } }));
    render(<App />);
    await userEvent.upload(screen.getByLabelText("Choose photos…"), new File(["not really"], "fake.jpg", { type: "image/jpeg" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "fake.jpg was not uploaded: the file is not a supported image (JPEG, PNG, WebP) (HTTP 422)",
    );
  });

  it("refuses a photo over the limit the server states without sending it", async () => {
    const fetchMock = serve((url) =>
      url.pathname === "/api/openapi.json" ? { status: 200, body: { "x-limits": { maxUploadBytes: 1000 } } } : { status: 500, body: {} },
    );
    render(<App />);
    expect(await screen.findByText(/up to 1000 B each/)).toBeInTheDocument();
    await userEvent.upload(screen.getByLabelText("Choose photos…"), new File([new Uint8Array(2048)], "big.jpg", { type: "image/jpeg" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("big.jpg was not uploaded: is 2.0 kB; the limit is 1000 B");
    expect(calls(fetchMock, "/api/process")).toHaveLength(0);
  });
});

describe("after a reload", () => {
  it("rebuilds the rows from the stored ids in one request and forgets ids the server does not know", async () => {
    localStorage.setItem("posecraft.imageIds", "[3,2,1]");
    const fetchMock = serve(() => ({
      status: 200,
      body: { items: [processed(3), record({ id: 1, status: "failed", error: "the URL answered 404 Not Found" })] },
    }));
    render(<App />);
    expect(await screen.findByText("the URL answered 404 Not Found")).toBeInTheDocument();
    expect(screen.getAllByText(/^#\d+$/).map((element) => element.textContent)).toEqual(["#3", "#1"]);
    expect(calls(fetchMock, "/api/image-status")).toHaveLength(1);
    await waitFor(() => expect(JSON.parse(localStorage.getItem("posecraft.imageIds")!)).toEqual([3, 1]));
  });

  it("says so when the table cannot be refreshed", async () => {
    localStorage.setItem("posecraft.imageIds", "[5]");
    serve(() => ({ status: 503, body: { error: "the database is not reachable" } }));
    render(<App />);
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "Could not refresh the table: the database is not reachable (HTTP 503). Still trying.",
    );
  });
});

describe("when the server comes back", () => {
  it("keeps trying after a failed refresh and fills the table once it answers", async () => {
    localStorage.setItem("posecraft.imageIds", "[6]");
    let statusCalls = 0;
    serve((url) => {
      if (url.pathname !== "/api/image-status") return { status: 404, body: { error: "not found" } };
      statusCalls += 1;
      return statusCalls === 1 ? "network-failure" : { status: 200, body: { items: [processed(6)] } };
    });
    render(<App />);
    expect(await screen.findByRole("alert")).toHaveTextContent("Could not refresh the table: could not reach the server");
    expect(await screen.findByText("Processed", {}, { timeout: POLL_INTERVAL_MS + 2000 })).toBeInTheDocument();
    expect(statusCalls).toBe(2);
  });
});

describe("the lightbox", () => {
  it("shows a view full size with its label, pixel size and a download link, keeps Tab inside, and Esc closes it", async () => {
    localStorage.setItem("posecraft.imageIds", "[8]");
    serve(() => ({ status: 200, body: { items: [processed(8)] } }));
    render(<App />);
    const thumb = await screen.findByRole("button", { name: "Open Length View of image #8 full size" });
    await userEvent.click(thumb);
    const dialog = screen.getByRole("dialog");
    expect(dialog).toHaveAccessibleName("Length View · image #8, 640 × 800 px");
    const download = within(dialog).getByRole("link", { name: "Download" });
    expect(download).toHaveAttribute("href", "/media/posecraft/views/length.jpg");
    expect(download).toHaveAttribute("download", "posecraft-8-length-view.jpg");
    expect(within(dialog).getByRole("img")).toHaveAttribute("src", "/media/posecraft/views/length.jpg");
    const close = within(dialog).getByRole("button", { name: /Close/ });
    expect(close).toHaveFocus();
    await userEvent.tab();
    expect(within(dialog).getByRole("link", { name: "Download" })).toHaveFocus();
    await userEvent.tab();
    expect(close).toHaveFocus();
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(thumb).toHaveFocus();
  });
});

describe("choosing the output", () => {
  it("sends the chosen preset and the cut-out with the URLs and with each uploaded photo", async () => {
    const fetchMock = serve((url) => {
      if (url.pathname === "/api/process-batch") return { status: 202, body: { items: [] } };
      if (url.pathname === "/api/process") {
        return { status: 202, body: { id: 60, url: "/media/posecraft/uploads/60.jpg", status: "pending", duplicate: false } };
      }
      return { status: 200, body: { items: [] } };
    });
    render(<App />);
    const picker = screen.getByLabelText("Preset");
    expect(picker).toHaveValue("");
    await userEvent.selectOptions(picker, "Zalando");
    expect(screen.getByText("1:1.44 portrait, up to 1801 × 2600, at least 762 × 1100")).toBeInTheDocument();
    await userEvent.click(screen.getByLabelText(/Also a cut-out/));
    await pasteAndSend("https://a.test/1.jpg");
    await waitFor(() => expect(calls(fetchMock, "/api/process-batch")).toHaveLength(1));
    expect(JSON.parse(String(calls(fetchMock, "/api/process-batch")[0][1]!.body))).toEqual({
      imageUrls: ["https://a.test/1.jpg"], preset: "zalando", cutout: true,
    });
    const photo = new File([new Uint8Array(100)], "look.jpg", { type: "image/jpeg" });
    await userEvent.upload(screen.getByLabelText("Choose photos…"), photo);
    await waitFor(() => expect(calls(fetchMock, "/api/process")).toHaveLength(1));
    const form = calls(fetchMock, "/api/process")[0][1]!.body as FormData;
    expect([form.get("preset"), form.get("cutout")]).toEqual(["zalando", "true"]);
  });
});
