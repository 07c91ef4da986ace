// The output options beside upload and URLs: what the enlarge box says under each kind of preset, and what it hands on.
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it, vi } from "vitest";
import { NO_OPTIONS, NO_PRESETS, type OutputOptions, type ServerPresets } from "../presets";
import { OutputOptionsPanel } from "./OutputOptionsPanel";

// The rules as GET /api/presets words them (Preset.rules() on the server).
const SERVER: ServerPresets = {
  problem: null,
  list: {
    default: "zalando",
    items: [
      { name: "default", title: "Default", rules: ["the views as configured (VIEW_ASPECTS, VIEW_FORMAT)"], minSize: null, minLongSide: null, upscale: false },
      { name: "zalando", title: "Zalando", rules: ["every view 25:36 (width:height), padded with white if need be", "at least 762 x 1100", "JPEG files", "smaller views flagged"], minSize: [762, 1100], minLongSide: null, upscale: false },
      { name: "amazon", title: "Amazon", rules: ["at least 1000 px on the longest side", "JPEG files", "smaller views flagged"], minSize: null, minLongSide: 1000, upscale: false },
      { name: "lookbook", title: "Lookbook", rules: ["at least 800 x 1000", "smaller views enlarged (marked upscaled)"], minSize: [800, 1000], minLongSide: null, upscale: true },
    ],
  },
};

function panel(presets: ServerPresets = SERVER) {
  const changes = vi.fn();
  function Page() {
    const [options, setOptions] = useState<OutputOptions>(NO_OPTIONS);
    return (
      <OutputOptionsPanel
        options={options}
        presets={presets}
        onChange={(next) => {
          changes(next);
          setOptions(next);
        }}
      />
    );
  }
  render(<Page />);
  return { picker: screen.getByLabelText("Preset"), enlarge: screen.getByLabelText("Enlarge small views to the preset's minimum (marked upscaled)"), changes };
}

describe("OutputOptionsPanel", () => {
  it("says what the enlarge box does under the chosen preset, the server's default included", async () => {
    const { picker, enlarge } = panel();
    expect(picker).toHaveDisplayValue("Server default (Zalando)");
    expect(enlarge).toHaveAccessibleDescription("Zalando flags views below its minimum; ticked, they are enlarged to it instead.");
    await userEvent.selectOptions(picker, "Amazon");
    expect(enlarge).toHaveAccessibleDescription("Amazon flags views below its minimum; ticked, they are enlarged to it instead.");
    await userEvent.selectOptions(picker, "Lookbook");
    expect(enlarge).toHaveAccessibleDescription("Lookbook enlarges views below its minimum anyway.");
    await userEvent.selectOptions(picker, "Default");
    expect(enlarge).toHaveAccessibleDescription("Default has no minimum size: nothing is enlarged.");
  });

  it("offers the box before the server's presets are known, and hands on the choice with the others", async () => {
    const { enlarge, changes } = panel(NO_PRESETS);
    expect(enlarge).not.toBeChecked();
    expect(enlarge).toHaveAccessibleDescription("Only a preset with a minimum size enlarges views.");
    await userEvent.click(enlarge);
    expect(enlarge).toBeChecked();
    expect(changes).toHaveBeenLastCalledWith({ preset: "", cutout: false, upscale: true });
    await userEvent.click(screen.getByLabelText(/Also a cut-out/));
    expect(changes).toHaveBeenLastCalledWith({ preset: "", cutout: true, upscale: true });
  });
});
