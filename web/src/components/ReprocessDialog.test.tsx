// The question before processing images again: which preset, whether a cut-out, whether to enlarge small views; what
// it hands on is what is sent.
import { render, screen, within } from "@testing-library/react";
import { useState } from "react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { NO_PRESETS, type ServerPresets } from "../presets";
import { processed } from "../test/records";
import type { ImageRecord } from "../types";
import { ReprocessDialog } from "./ReprocessDialog";

const SERVER: ServerPresets = {
  problem: null,
  list: {
    default: "default",
    items: [
      { name: "default", title: "Default", rules: ["the views as configured (VIEW_ASPECTS, VIEW_FORMAT)"], minSize: null, minLongSide: null, upscale: false },
      { name: "zalando", title: "Zalando", rules: ["every view 25:36 (width:height), padded with white if need be", "at least 762 x 1100", "smaller views flagged"], minSize: [762, 1100], minLongSide: null, upscale: false },
      { name: "shopify", title: "Shopify", rules: ["every view 1:1 (width:height), padded with white if need be"], minSize: null, minLongSide: null, upscale: false },
    ],
  },
};

function ask(images: ImageRecord[], presets: ServerPresets = SERVER, leftOut = 0) {
  const onConfirm = vi.fn();
  const onCancel = vi.fn();
  render(<ReprocessDialog images={images} leftOut={leftOut} presets={presets} onConfirm={onConfirm} onCancel={onCancel} />);
  const dialog = screen.getByRole("dialog");
  const picker = within(dialog).getByLabelText("Preset");
  const cutout = within(dialog).getByLabelText("Also a cut-out (the person on transparency, PNG)");
  const enlarge = within(dialog).getByLabelText("Enlarge small views to the preset's minimum (marked upscaled)");
  const confirm = () => userEvent.click(within(dialog).getByRole("button", { name: "Re-process" }));
  return { dialog, picker, cutout, enlarge, confirm, onConfirm, onCancel };
}

const optionTexts = (select: HTMLElement) => within(select).getAllByRole("option").map((option) => option.textContent);

describe("ReprocessDialog", () => {
  it("starts on the image's own preset and cut-out, lists the server's presets with the chosen one's rules, and sends both", async () => {
    const { dialog, picker, cutout, confirm, onConfirm } = ask([processed(5, { name: "look.jpg", preset: "zalando", cutout: true })]);
    expect(dialog).toHaveAccessibleName("Re-process look.jpg?");
    expect(dialog).toHaveAttribute("aria-modal", "true");
    expect(picker).toHaveFocus();
    expect(optionTexts(picker)).toEqual(["Default", "Zalando", "Shopify"]);
    expect(picker).toHaveDisplayValue("Zalando");
    expect(picker).toHaveAccessibleDescription("every view 25:36 (width:height), padded with white if need be at least 762 x 1100 smaller views flagged");
    expect(cutout).toBeChecked();
    await userEvent.selectOptions(picker, "Shopify");
    expect(picker).toHaveAccessibleDescription("every view 1:1 (width:height), padded with white if need be");
    await userEvent.click(cutout);
    await confirm();
    expect(onConfirm).toHaveBeenCalledExactlyOnceWith({ preset: "shopify", cutout: false, upscale: false });
  });

  it("sends the image's own choice when nothing is changed", async () => {
    const { confirm, onConfirm } = ask([processed(6, { preset: "shopify", cutout: false })]);
    await confirm();
    expect(onConfirm).toHaveBeenCalledExactlyOnceWith({ preset: "shopify", cutout: false, upscale: false });
  });

  it("starts the enlarge box on the image's own, says what it does under the chosen preset, and sends it", async () => {
    const { dialog, picker, enlarge, confirm, onConfirm } = ask([processed(5, { name: "look.jpg", preset: "zalando", upscale: true })]);
    expect(dialog).toHaveAccessibleDescription("Its views are made again and replace the ones it has now (made with Zalando + enlarged).");
    expect(enlarge).toBeChecked();
    expect(enlarge).toHaveAccessibleDescription("Zalando flags views below its minimum; ticked, they are enlarged to it instead.");
    await userEvent.selectOptions(picker, "Shopify");
    expect(enlarge).toHaveAccessibleDescription("Shopify has no minimum size: nothing is enlarged.");
    await userEvent.selectOptions(picker, "Zalando");
    await userEvent.click(enlarge);
    await confirm();
    expect(onConfirm).toHaveBeenCalledExactlyOnceWith({ preset: "zalando", cutout: false, upscale: false });
  });

  it("declines on Esc, Cancel and a click beside it, sending nothing", async () => {
    const { dialog, onCancel, onConfirm } = ask([processed(7)]);
    await userEvent.keyboard("{Escape}");
    await userEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    await userEvent.click(dialog.parentElement!);
    await userEvent.click(dialog); // inside it: not a decline
    expect(onCancel).toHaveBeenCalledTimes(3);
    expect(onConfirm).not.toHaveBeenCalled();
  });

  it("for images with different presets, cut-outs and enlarging starts on each one's own, which sends none of them", async () => {
    const images = [processed(9, { preset: "zalando", cutout: true }), processed(8, { preset: "shopify", upscale: true }), processed(4, { preset: "zalando" })];
    const { dialog, picker, cutout, enlarge, confirm, onConfirm } = ask(images, SERVER, 1);
    expect(dialog).toHaveAccessibleName("Re-process 3 images?");
    expect(dialog).toHaveTextContent("Their views are made again and replace the ones they have now.");
    expect(dialog).toHaveTextContent("1 selected image is pending: it is left out.");
    expect(optionTexts(picker)).toEqual(["Each image's own (Zalando, Shopify)", "Default", "Zalando", "Shopify"]);
    expect(picker).toHaveAccessibleDescription("Each image is made again with the preset it has.");
    expect(cutout).toBePartiallyChecked();
    expect(cutout).toHaveAccessibleDescription("Some of them have one: left as it is, each keeps its own.");
    expect(enlarge).toBePartiallyChecked();
    expect(enlarge).toHaveAccessibleDescription("Only a preset with a minimum size enlarges views. Some of them are enlarged: left as it is, each keeps its own.");
    await confirm();
    expect(onConfirm).toHaveBeenLastCalledWith({});
    // Once clicked the box says yes or no for all of them.
    await userEvent.click(cutout);
    expect(cutout).toBeChecked();
    await confirm();
    expect(onConfirm).toHaveBeenLastCalledWith({ cutout: true });
    await userEvent.selectOptions(picker, "Default");
    await userEvent.click(cutout);
    await userEvent.click(enlarge);
    expect(enlarge).toBeChecked();
    expect(enlarge).toHaveAccessibleDescription("Default has no minimum size: nothing is enlarged.");
    await confirm();
    expect(onConfirm).toHaveBeenLastCalledWith({ preset: "default", cutout: false, upscale: true });
  });

  it("offers the image's own preset alone, and says why, while the server's list loads or when it cannot be read", async () => {
    const image = processed(3, { preset: "lookbook" });
    const { picker, confirm, onConfirm } = ask([image], NO_PRESETS);
    expect(optionTexts(picker)).toEqual(["lookbook"]);
    expect(picker).toHaveAccessibleDescription("Reading the server's presets…");
    await confirm();
    expect(onConfirm).toHaveBeenCalledExactlyOnceWith({ preset: "lookbook", cutout: false, upscale: false });
  });

  it("says when the server's presets could not be read", () => {
    const { picker } = ask([processed(3, { preset: "zalando" })], { list: null, problem: "MongoDB is unavailable (HTTP 503)" });
    expect(optionTexts(picker)).toEqual(["zalando"]);
    expect(picker).toHaveAccessibleDescription("The server's presets could not be read (MongoDB is unavailable (HTTP 503)): only the image's own is offered.");
  });

  it("keeps Tab inside and gives the focus back to what opened it", async () => {
    function Page() {
      const [open, setOpen] = useState(false);
      return (
        <>
          <button type="button" onClick={() => setOpen(true)}>
            opener
          </button>
          {open && <ReprocessDialog images={[processed(2)]} presets={SERVER} onConfirm={vi.fn()} onCancel={() => setOpen(false)} />}
        </>
      );
    }
    render(<Page />);
    await userEvent.click(screen.getByRole("button", { name: "opener" }));
    const dialog = screen.getByRole("dialog");
    const picker = within(dialog).getByLabelText("Preset");
    expect(picker).toHaveFocus();
    await userEvent.tab({ shift: true });
    expect(within(dialog).getByRole("button", { name: "Re-process" })).toHaveFocus();
    await userEvent.tab();
    expect(picker).toHaveFocus();
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(screen.getByRole("button", { name: "opener" })).toHaveFocus();
  });
});
