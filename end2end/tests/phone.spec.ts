import { test, expect, open, signInAs, snapshot } from "./fixtures";

// A phone held upright: every page fits its width (nothing scrolls sideways but wide tables,
// which scroll inside their own box) and keeps its main controls in reach.
test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

const pages: [string, string, "user" | "rich" | "admin"][] = [
  ["/batch", "Start batch generation", "user"],
  ["/history", "History", "rich"],
  ["/account", "Account", "user"],
  ["/admin", "Admin panel", "admin"],
];

for (const [path, landmark, who] of pages) {
  test(`${path} fits a phone`, async ({ page, context }, info) => {
    await signInAs(context, who);
    await open(page, path);
    await expect(page.getByText(landmark, { exact: true }).first()).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, "sideways scrolling").toBeLessThanOrEqual(0);
    await snapshot(page, info, `phone${path.replaceAll("/", "-")}`);
  });
}
