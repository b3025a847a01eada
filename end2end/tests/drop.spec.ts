import { test, expect, open, signInAs } from "./fixtures";

test("a dropped folder is read completely, more than 100 entries per folder included", async ({ page, context }) => {
  await signInAs(context, "user");
  await open(page, "/batch");
  // A real drop of a folder cannot be produced by the browser automation, so the drop event
  // carries a mock tree that behaves like Chromium's: at most 100 entries per readEntries call.
  await page.evaluate(() => {
    const png = Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82]);
    const file = (path: string) => {
      const name = path.split("/").pop()!;
      return {
        isFile: true,
        isDirectory: false,
        name,
        fullPath: "/" + path,
        file: (ok: (f: File) => void) => ok(new File([png], name, { type: "image/png" })),
      };
    };
    const folder = (path: string, children: any[]) => ({
      isFile: false,
      isDirectory: true,
      name: path.split("/").pop(),
      fullPath: "/" + path,
      createReader: () => {
        let at = 0;
        return {
          readEntries: (ok: (entries: any[]) => void) => {
            const portion = children.slice(at, at + 100);
            at += portion.length;
            setTimeout(() => ok(portion), 0);
          },
        };
      },
    });
    const raw = Array.from({ length: 120 }, (_, i) => file(`shoot/raw/img-${String(i).padStart(3, "0")}.png`));
    const tree = folder("shoot", [folder("shoot/raw", raw), file("shoot/cover.png")]);
    const items = [tree, file("extra.png")].map((entry) => ({ kind: "file", webkitGetAsEntry: () => entry }));
    const event = new Event("drop", { bubbles: true, cancelable: true });
    Object.defineProperty(event, "dataTransfer", { value: { items, files: [] } });
    document.querySelector("[data-testid=drop-zone]")!.dispatchEvent(event);
  });

  const chosen = page.getByRole("region", { name: "Chosen images" });
  await expect(chosen.getByText("122 images", { exact: true })).toBeVisible();
  // Each tile shows the file's name and, below it, its folder.
  const tile = (name: string, folder?: string) => {
    const named = chosen.getByRole("listitem").filter({ has: page.getByText(name, { exact: true }) });
    return folder ? named.filter({ has: page.getByText(folder, { exact: true }) }) : named;
  };
  await expect(tile("img-119.png", "shoot/raw")).toHaveCount(1);
  await expect(tile("img-000.png", "shoot/raw")).toHaveCount(1);
  await expect(tile("cover.png", "shoot")).toHaveCount(1);
  await expect(tile("extra.png")).toHaveCount(1);
  await expect(page.getByText("122 images chosen; a batch takes at most 50. Remove some to start.")).toBeVisible();
  await page.getByLabel("Prompt").fill("sepia");
  await expect(page.getByRole("button", { name: "Start batch generation" })).toBeDisabled();

  await chosen.getByRole("button", { name: "Clear all" }).click();
  await expect(chosen.getByText("No images chosen yet.")).toBeVisible();
});
