import { useEffect, useId, useRef, useState, type ReactNode } from "react";
import { findPreset, madeWithExtras, presetTitle, type ReprocessOptions, type ServerPresets } from "../presets";
import type { ImageRecord } from "../types";
import { ConfirmDialog } from "./ConfirmDialog";
import { ENLARGE_LABEL, EnlargeHint, PresetRules } from "./OutputOptionsPanel";

/** The preset choice that keeps each image's own (offered when the images have different ones): no `preset` sent. */
const EACH_OWN = "";

const distinct = <T,>(values: T[]) => [...new Set(values)];

/** What the images have now, in words: "Zalando + cut-out + enlarged". */
const madeWith = (presets: ServerPresets, image: ImageRecord) => `${presetTitle(presets, image.preset)}${madeWithExtras(image)}`;

/** The one value the images share, or null when they differ (each then keeps its own). */
const shared = <T,>(values: T[]): T | null => (distinct(values).length === 1 ? values[0] : null);

/** A yes-or-no the images may differ on: null shows the box mixed, sending nothing, until it is clicked. */
function MixedCheckbox({
  value,
  onChange,
  describedBy,
  children,
}: {
  value: boolean | null;
  onChange: (value: boolean) => void;
  describedBy?: string;
  children: ReactNode;
}) {
  const box = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (box.current) box.current.indeterminate = value === null;
  }, [value]);
  return (
    <label className="checkbox">
      <input ref={box} type="checkbox" checked={value ?? false} aria-describedby={describedBy} onChange={(event) => onChange(event.target.checked)} />{" "}
      {children}
    </label>
  );
}

/**
 * Asks how to process images again: which preset (the server's list, starting on the images' own), whether to add
 * the cut-out and whether to enlarge small views (starting on theirs). Images with different presets, cut-out or
 * enlarging choices start on "each its own", which sends nothing for it. `leftOut` selected images are pending, so
 * not asked about.
 */
export function ReprocessDialog({
  images,
  leftOut = 0,
  presets,
  onConfirm,
  onCancel,
}: {
  images: ImageRecord[];
  leftOut?: number;
  presets: ServerPresets;
  onConfirm: (options: ReprocessOptions) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const own = distinct(images.map((image) => image.preset));
  const [preset, setPreset] = useState(own.length === 1 ? own[0] : EACH_OWN);
  // null: the images differ and each keeps its own (the box shows as mixed until it is clicked).
  const [cutout, setCutout] = useState(() => shared(images.map((image) => image.cutout)));
  const [upscale, setUpscale] = useState(() => shared(images.map((image) => image.upscale)));

  // The server's presets, and the images' own even before the list has come (or if the server no longer lists one).
  const listed = presets.list?.items.map((item) => item.name) ?? [];
  const choices = [...listed, ...own.filter((name) => !listed.includes(name))];
  const one = images.length === 1 ? images[0] : null;
  const chosen = findPreset(presets, preset);

  return (
    <ConfirmDialog
      title={one ? `Re-process ${one.name || `image #${one.id}`}?` : `Re-process ${images.length} images?`}
      text={
        <>
          <p>
            {one
              ? `Its views are made again and replace the ones it has now (made with ${madeWith(presets, one)}).`
              : "Their views are made again and replace the ones they have now."}
          </p>
          {leftOut > 0 && (
            <p>{leftOut === 1 ? "1 selected image is pending: it is left out." : `${leftOut} selected images are pending: they are left out.`}</p>
          )}
        </>
      }
      confirm="Re-process"
      onConfirm={() =>
        onConfirm({ ...(preset !== EACH_OWN && { preset }), ...(cutout !== null && { cutout }), ...(upscale !== null && { upscale }) })
      }
      onCancel={onCancel}
    >
      <label htmlFor={`${id}-preset`}>Preset</label>
      <select id={`${id}-preset`} aria-describedby={`${id}-rules`} value={preset} onChange={(event) => setPreset(event.target.value)}>
        {own.length > 1 && <option value={EACH_OWN}>Each image's own ({own.map((name) => presetTitle(presets, name)).join(", ")})</option>}
        {choices.map((name) => (
          <option key={name} value={name}>
            {presetTitle(presets, name)}
          </option>
        ))}
      </select>
      {chosen ? (
        <PresetRules preset={chosen} id={`${id}-rules`} />
      ) : (
        <p className="hint" id={`${id}-rules`}>
          {preset === EACH_OWN
            ? "Each image is made again with the preset it has."
            : presets.problem
              ? `The server's presets could not be read (${presets.problem}): only the image's own is offered.`
              : presets.list
                ? "The server no longer lists this preset."
                : "Reading the server's presets…"}
        </p>
      )}
      <MixedCheckbox value={cutout} onChange={setCutout} describedBy={cutout === null ? `${id}-cutout` : undefined}>
        Also a cut-out (the person on transparency, PNG)
      </MixedCheckbox>
      {cutout === null && (
        <p className="hint" id={`${id}-cutout`}>
          Some of them have one: left as it is, each keeps its own.
        </p>
      )}
      <MixedCheckbox value={upscale} onChange={setUpscale} describedBy={`${id}-enlarge${upscale === null ? ` ${id}-enlarge-mixed` : ""}`}>
        {ENLARGE_LABEL}
      </MixedCheckbox>
      <EnlargeHint preset={chosen} id={`${id}-enlarge`} />
      {upscale === null && (
        <p className="hint" id={`${id}-enlarge-mixed`}>
          Some of them are enlarged: left as it is, each keeps its own.
        </p>
      )}
    </ConfirmDialog>
  );
}
