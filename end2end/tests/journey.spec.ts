import { execFileSync } from "node:child_process";
import { test, expect, fixtures, open, snapshot, waitForHydration } from "./fixtures";

/** The names in a zip file and its manifest, read with Python's zipfile. */
function readZip(path: string): { names: string[]; manifest: any[] } {
  const script =
    "import json, sys, zipfile\n" +
    "z = zipfile.ZipFile(sys.argv[1])\n" +
    "print(json.dumps({'names': z.namelist(), 'manifest': json.loads(z.read('manifest.json'))}))";
  return JSON.parse(execFileSync("python3", ["-c", script, path]).toString());
}

test("a new user runs a folder through upload, live progress, edit, zip and history", async ({ page }, info) => {
  await open(page, "/login");
  await page.getByRole("tab", { name: "Create account" }).click();
  const form = page.getByRole("form", { name: "Create account" });
  const name = `walker${Date.now() % 1_000_000}`;
  await form.getByLabel("Username").fill(name);
  await form.getByLabel("Password").fill("walker-password-1");
  await form.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/batch$/);
  await expect(page.getByRole("banner").getByText("20 credits")).toBeVisible();

  // A folder with nested folders, four formats and one file that only has an image's name.
  await page.getByLabel("Choose folder").setInputFiles(`${fixtures}/trip`);
  const chosen = page.getByRole("region", { name: "Chosen images" });
  await expect(chosen.getByText("4 images", { exact: true })).toBeVisible();
  for (const path of ["trip/beach.jpg", "trip/day1/harbour.png", "trip/day1/market.webp", "trip/day2/night/lights.gif"]) {
    await expect(chosen.getByRole("img", { name: path, exact: true })).toBeVisible();
  }
  const fake = chosen.getByRole("listitem").filter({ hasText: "notes.png" }).filter({ hasText: "trip/day2" });
  await expect(fake.getByText("not an image")).toBeVisible();

  await page.getByLabel("Preset").selectOption({ label: "High-definition enhance · quality" });
  await expect(page.getByLabel("Prompt")).toHaveValue(/masterpiece/);
  await expect(page.getByText("4 credits", { exact: true })).toBeVisible();
  await expect(page.getByText("balance after: 16")).toBeVisible();
  await snapshot(page, info, "batch-chosen");

  await page.evaluate(() => ((window as any).__sameDocument = true));
  await page.getByRole("button", { name: "Start batch generation" }).click();
  await expect(page).toHaveURL(/\/batch\/\d+$/);
  const batchUrl = page.url();

  const names = ["beach.jpg", "harbour.png", "market.webp", "lights.gif"];
  for (const file of names) {
    const card = page.getByRole("listitem", { name: new RegExp(file) });
    await expect(card.getByText("completed", { exact: true })).toBeVisible();
  }
  await expect(page.getByText("4 / 4")).toBeVisible();
  // Every card finished through live updates, without a reload.
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  await expect(page.getByRole("banner").getByText("16 credits")).toBeVisible();
  await snapshot(page, info, "batch-done");

  const beach = page.getByRole("listitem", { name: /beach\.jpg/ });
  await beach.getByRole("button", { name: "Compare" }).click();
  await expect(beach.getByRole("slider", { name: "Compare" })).toBeVisible();
  await expect(beach.getByRole("img", { name: "Before" })).toBeVisible();
  await expect(beach.getByRole("img", { name: "After" })).toBeVisible();

  await beach.getByRole("button", { name: "Edit" }).click();
  const dialog = page.getByRole("dialog", { name: "Edit beach.jpg" });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel("New prompt").fill("invert the colours");
  await dialog.getByRole("button", { name: "Regenerate" }).click();
  await expect(dialog.getByText("Queued as a new version.")).toBeVisible();
  await expect(dialog.getByText("v2", { exact: true })).toBeVisible();
  await expect(dialog.getByText("v1", { exact: true })).toBeVisible();
  await snapshot(page, info, "edit-dialog");
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("banner").getByText("15 credits")).toBeVisible();

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download all (.zip)" }).click(),
  ]);
  const zip = readZip(await download.path());
  expect(zip.names.sort()).toEqual(
    ["manifest.json", "trip/beach.png", "trip/day1/harbour.png", "trip/day1/market.png", "trip/day2/night/lights.png"].sort(),
  );
  expect(zip.manifest).toHaveLength(4);
  const beachEntry = zip.manifest.find((e: any) => e.path === "trip/beach.jpg");
  expect(beachEntry).toMatchObject({ file: "trip/beach.png", status: "completed", version: 2, model: "demo" });
  expect(beachEntry.prompt).toBe("invert the colours");

  await page.getByRole("link", { name: "History", exact: true }).click();
  await expect(page).toHaveURL(/\/history$/);
  const row = page.getByRole("link", { name: /4 images/ }).first();
  await expect(row).toContainText("4 / 4");
  await snapshot(page, info, "history");
  await row.click();
  await expect(page).toHaveURL(batchUrl);
  await waitForHydration(page);
});
