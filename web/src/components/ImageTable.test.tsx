import { fireEvent, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { processed, record, shot } from "../test/records";
import type { ImageRecord } from "../types";
import type { ImageRow } from "../useCatalogue";
import { NO_PRESETS, type ServerPresets } from "../presets";
import { ImageTable, type RowActions } from "./ImageTable";

const row = (data: ImageRecord, extra: Partial<ImageRow> = {}): ImageRow => ({ ...data, loaded: true, resubmitted: false, ...extra });

function renderTable(rows: ImageRow[], onOpen = vi.fn(), selected: Set<number> = new Set(), presets: ServerPresets = NO_PRESETS) {
  const actions: RowActions = { onOpen, onReprocess: vi.fn(), onDelete: vi.fn(), onSelect: vi.fn() };
  render(<ImageTable rows={rows} presets={presets} selected={selected} actions={actions} />);
  return onOpen;
}

function renderWithActions(rows: ImageRow[], selected: Set<number> = new Set()) {
  const actions = { onOpen: vi.fn(), onReprocess: vi.fn(), onDelete: vi.fn(), onSelect: vi.fn() };
  render(<ImageTable rows={rows} presets={NO_PRESETS} selected={selected} actions={actions} />);
  return actions;
}

const rowOf = (id: number) => screen.getByText(`#${id}`).closest("tr")!;
const columnHeaders = () => screen.getAllByRole("columnheader").map((header) => header.textContent?.replace(/[▲▼↕]/g, ""));

describe("ImageTable", () => {
  it("has the columns in order: a select box, image, id, status, the five views and the model on white, then the actions", () => {
    renderTable([row(record({ id: 1 }))]);
    expect(columnHeaders()).toEqual(["", "Image", "ID", "Status", "Neck View", "Sleeve View", "Zoomed View", "Waist View", "Length View", "On White", "Actions"]);
    expect(screen.getByRole("checkbox", { name: "Select every image listed" })).toBeInTheDocument();
  });

  it("labels each cell with its column's title for the phone's cards, and the select box's cell with none", () => {
    renderTable([row(processed(1))]);
    expect(rowOf(1).querySelector("td.cell-neck")).toHaveAttribute("data-label", "Neck View");
    expect(rowOf(1).querySelector("td.cell-select")).not.toHaveAttribute("data-label");
  });

  it("shows a pending image with a spinner and no view thumbnails yet", () => {
    renderTable([row(record({ id: 4 }))]);
    const tr = rowOf(4);
    expect(within(tr).getByText("Pending")).toBeInTheDocument();
    expect(tr.querySelector(".status-pending .spinner")).not.toBeNull();
    expect(within(tr).getAllByLabelText("not ready yet")).toHaveLength(6);
    expect(within(tr).queryByRole("button", { name: /View of image #4/ })).toBeNull();
  });

  it("shows a processed image with a thumbnail of each of the five views and their pixel size", () => {
    renderTable([row(processed(5, { shots: [shot("neck", { width: 300, height: 200 }), ...processed(5).shots.slice(1)] }))]);
    const tr = rowOf(5);
    expect(within(tr).getByText("Processed")).toBeInTheDocument();
    for (const title of ["Neck View", "Sleeve View", "Zoomed View", "Waist View", "Length View", "On White"]) {
      expect(within(tr).getByRole("button", { name: `Open ${title} of image #5 full size` })).toBeInTheDocument();
    }
    expect(within(tr).getByText("300 × 200")).toBeInTheDocument();
    expect(tr.querySelector(".spinner")).toBeNull();
  });

  it("marks a view cut below catalogue resolution", () => {
    renderTable([row(processed(6, { shots: [shot("neck", { lowResolution: true })] }))]);
    expect(within(rowOf(6)).getByText("low resolution")).toBeInTheDocument();
  });

  it("says under the length view's thumbnail how far down the body it goes, and nowhere else", () => {
    const shots = processed(20).shots.map((candidate) => (candidate.label === "length" ? { ...candidate, reach: "thighs" as const } : candidate));
    renderTable([row(processed(20, { shots })), row(processed(21))]);
    const cells = within(rowOf(20)).getAllByRole("cell");
    // The length view's cell: after the select box, image, id, status and four views.
    expect(cells[8]).toHaveTextContent("down to the thighs");
    expect(cells.slice(0, 8).some((cell) => /down to|head to/.test(cell.textContent ?? ""))).toBe(false);
    expect(within(rowOf(21)).getAllByRole("cell")[8]).toHaveTextContent("head to feet");
  });

  it("marks a padded view, and only that one", () => {
    const shots = processed(22).shots.map((candidate) => (candidate.label === "length" ? { ...candidate, padded: true } : candidate));
    renderTable([row(processed(22, { shots }))]);
    const cells = within(rowOf(22)).getAllByRole("cell");
    expect(within(cells[8]).getByText("padded")).toHaveClass("badge");
    expect(within(rowOf(22)).getAllByText("padded")).toHaveLength(1);
  });

  it("warns when the photo holds several people and the views may be of the wrong one", () => {
    renderTable([row(processed(23, { people: 2, ambiguous: true })), row(processed(24, { people: 2 }))]);
    expect(within(rowOf(23)).getByText("several people: check the views")).toBeInTheDocument();
    expect(within(rowOf(24)).queryByText("several people: check the views")).toBeNull();
    expect(within(rowOf(24)).getByText("2 people in the photo")).toBeInTheDocument();
  });

  it("shows a failed image with its reason", () => {
    renderTable([row(record({ id: 7, status: "failed", error: "no person found in the image" }))]);
    const tr = rowOf(7);
    expect(within(tr).getByText("Failed")).toBeInTheDocument();
    expect(within(tr).getByText("no person found in the image")).toBeInTheDocument();
  });

  it("shows why a view was skipped in that view's column", () => {
    const shots = processed(8).shots.filter((candidate) => candidate.label !== "waist");
    renderTable([row(processed(8, { shots, skipped: [{ label: "waist", title: "Waist View", reason: "hips are not visible" }] }))]);
    const cells = within(rowOf(8)).getAllByRole("cell");
    expect(cells[7]).toHaveTextContent("Skipped: hips are not visible");
    expect(within(cells[6]).getByRole("button", { name: "Open Zoomed View of image #8 full size" })).toBeInTheDocument();
  });

  it("marks a resubmitted duplicate on its existing row", () => {
    renderTable([row(processed(9), { resubmitted: true }), row(processed(10))]);
    expect(within(rowOf(9)).getByText("resubmitted")).toBeInTheDocument();
    expect(within(rowOf(10)).queryByText("resubmitted")).toBeNull();
  });

  it("names the source of a pasted URL and calls an upload an uploaded photo", () => {
    renderTable([row(processed(14)), row(processed(15, { url: `${window.location.origin}/media/posecraft/uploads/ab12.jpg` }))]);
    expect(within(rowOf(14)).getByText("https://cdn.example.com/look-14.jpg")).toBeInTheDocument();
    expect(within(rowOf(15)).getByText("uploaded photo")).toBeInTheDocument();
  });

  it("shows a plain box instead of a broken image when the original does not load", () => {
    renderTable([row(record({ id: 16, status: "failed", error: "the URL answered 404" }))]);
    const original = within(rowOf(16)).getByRole("button", { name: "Open Original of image #16 full size" });
    fireEvent.error(original.querySelector("img")!);
    expect(within(rowOf(16)).queryByRole("button", { name: /Original/ })).toBeNull();
    expect(within(rowOf(16)).getByText("no preview")).toBeInTheDocument();
  });

  it("shows a row whose record is still loading as loading, not as pending", () => {
    renderTable([row(record({ id: 11, url: "" }), { loaded: false })]);
    expect(within(rowOf(11)).getByText("Loading…")).toBeInTheDocument();
  });

  it("lists the newest image first and sorts by id the other way when asked", async () => {
    renderTable([row(record({ id: 2 })), row(record({ id: 12 })), row(record({ id: 7 }))]);
    const ids = () => screen.getAllByText(/^#\d+$/).map((element) => element.textContent);
    expect(ids()).toEqual(["#12", "#7", "#2"]);
    await userEvent.click(screen.getByRole("button", { name: /^ID/ }));
    expect(ids()).toEqual(["#2", "#7", "#12"]);
    expect(screen.getByRole("columnheader", { name: /^ID/ })).toHaveAttribute("aria-sort", "ascending");
  });

  it("names each image above its id", () => {
    renderTable([row(processed(3, { name: "Campaign front.jpg" }))]);
    expect(within(rowOf(3)).getByText("Campaign front.jpg")).toHaveClass("image-name");
  });

  it("offers the views as a ZIP only once there are views, and re-processing only when not pending", () => {
    renderTable([row(processed(4, { name: "done.jpg" })), row(record({ id: 5, name: "waiting.jpg" }))]);
    expect(within(rowOf(4)).getByRole("link", { name: "Download the views of done.jpg as ZIP" })).toHaveAttribute("href", "/api/images/4/views.zip");
    expect(within(rowOf(5)).queryByRole("link", { name: /ZIP/ })).toBeNull();
    expect(within(rowOf(4)).getByRole("button", { name: "Re-process done.jpg…" })).toBeEnabled();
    expect(within(rowOf(5)).getByRole("button", { name: "Re-process waiting.jpg…" })).toBeDisabled();
  });

  it("hands each row's button its row, and each select box its id", async () => {
    const image = row(processed(6, { name: "look.jpg" }));
    const actions = renderWithActions([image, row(processed(7))], new Set([7]));
    await userEvent.click(within(rowOf(6)).getByRole("button", { name: "Delete look.jpg" }));
    await userEvent.click(within(rowOf(6)).getByRole("button", { name: "Re-process look.jpg…" }));
    await userEvent.click(within(rowOf(6)).getByRole("checkbox", { name: "Select look.jpg" }));
    expect(actions.onDelete).toHaveBeenCalledWith(image);
    expect(actions.onReprocess).toHaveBeenCalledWith(image);
    expect(actions.onSelect).toHaveBeenCalledWith(6, true);
    expect(within(rowOf(7)).getByRole("checkbox")).toBeChecked();
    await userEvent.click(screen.getByRole("checkbox", { name: "Select every image listed" }));
    expect(actions.onSelect).toHaveBeenCalledWith(7, true);
  });

  it("opens the lightbox on the row's record at the view whose thumbnail is clicked", async () => {
    const image = row(processed(13));
    const onOpen = renderTable([image]);
    await userEvent.click(screen.getByRole("button", { name: "Open Sleeve View of image #13 full size" }));
    expect(onOpen).toHaveBeenCalledWith({ record: image, shown: "sleeve" });
    await userEvent.click(screen.getByRole("button", { name: "Open Original of image #13 full size" }));
    expect(onOpen).toHaveBeenLastCalledWith({ record: image, shown: "original" });
  });

  it("has no cut-out column: the on-white view's cell opens the cut-out when there is one", async () => {
    const withCutout = row(processed(25, { cutout: true, shots: [...processed(25).shots, shot("cutout", { url: "/media/posecraft/views/cutout.png" })] }));
    const onOpen = renderTable([withCutout, row(processed(26))]);
    expect(columnHeaders()).not.toContain("Cut-out");
    const cells = within(rowOf(25)).getAllByRole("cell");
    // The on-white view's cell: after the select box, image, id, status and five views.
    await userEvent.click(within(cells[9]).getByRole("button", { name: "Open Cut-out of image #25 full size" }));
    expect(onOpen).toHaveBeenCalledWith({ record: withCutout, shown: "cutout" });
    expect(within(rowOf(26)).queryByRole("button", { name: /Cut-out/ })).toBeNull();
  });

  it("names each row's preset, by its title once the server has listed it, and whether a cut-out is made and small views enlarged", () => {
    const presets: ServerPresets = {
      list: { default: "default", items: [{ name: "zalando", title: "Zalando", rules: ["every view 25:36 (width:height), padded with white if need be", "at least 762 x 1100"], minSize: [762, 1100], minLongSide: null, upscale: false }] },
      problem: null,
    };
    const records = [processed(27, { preset: "zalando", cutout: true }), record({ id: 28, preset: "myshop" }), processed(29, { preset: "zalando", cutout: true, upscale: true }), processed(30, { upscale: true })];
    renderTable(records.map((data) => row(data)), vi.fn(), new Set(), presets);
    const zalando = within(rowOf(27)).getByText(/^Preset:/);
    expect(zalando).toHaveTextContent("Preset: Zalando + cut-out");
    expect(zalando).toHaveAttribute("title", "every view 25:36 (width:height), padded with white if need be; at least 762 x 1100");
    // A preset the list does not name (yet) is shown by its name.
    expect(within(rowOf(28)).getByText(/^Preset:/)).toHaveTextContent(/^Preset: myshop$/);
    expect(within(rowOf(29)).getByText(/^Preset:/)).toHaveTextContent(/^Preset: Zalando \+ cut-out \+ enlarged$/);
    expect(within(rowOf(30)).getByText(/^Preset:/)).toHaveTextContent(/^Preset: default \+ enlarged$/);
  });

  it("marks the thumbnail of a view that misses the preset's rules, with the notes in words, and an upscaled view", () => {
    const notes = ["below Zalando's minimum 762 x 1100: the view is 500 x 720 (the photo is 810 x 1080)"];
    const shots = processed(29).shots.map((candidate) => (candidate.label === "neck" ? { ...candidate, notes, upscaled: true } : candidate));
    renderTable([row(processed(29, { preset: "zalando", shots }))]);
    const cells = within(rowOf(29)).getAllByRole("cell");
    const marker = cells[4].querySelector(".thumb .thumb-marker");
    expect(marker).toHaveAttribute("title", notes[0]);
    expect(cells[4]).toHaveTextContent(`Misses the preset: ${notes[0]}`);
    expect(within(cells[4]).getByText("upscaled")).toHaveClass("badge");
    expect(rowOf(29).querySelectorAll(".thumb-marker")).toHaveLength(1);
    expect(within(rowOf(29)).getAllByText("upscaled")).toHaveLength(1);
  });
});
