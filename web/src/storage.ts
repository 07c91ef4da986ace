// The ids of the images this browser submitted, so a reload can rebuild the table.

const KEY = "posecraft.imageIds";

export function loadIds(): number[] {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(KEY) ?? "[]");
    return Array.isArray(stored) ? stored.filter((id): id is number => Number.isInteger(id)) : [];
  } catch {
    return [];
  }
}

export function saveIds(ids: Iterable<number>): void {
  localStorage.setItem(KEY, JSON.stringify([...new Set(ids)].sort((a, b) => b - a)));
}
