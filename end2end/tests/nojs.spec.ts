import { test, expect, user, signInAs, waitForHydration } from "./fixtures";

test.use({ javaScriptEnabled: false });

test("signing in works before the WebAssembly has loaded", async ({ page }) => {
  await page.goto("/batch");
  await expect(page).toHaveURL(/\/login$/);
  const form = page.getByRole("form", { name: "Sign in" });
  await form.getByLabel("Username").fill(user.name);
  await form.getByLabel("Password").fill(user.password);
  await form.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/batch$/);
  await expect(page.getByRole("banner").getByText(user.name, { exact: true })).toBeVisible();
  await expect(page.getByLabel("Prompt")).toBeVisible();
});

test("a limit refused before the WebAssembly has loaded is explained on the page it comes back to", async ({
  page,
  context,
  browser,
}) => {
  await signInAs(context, "admin");
  await page.goto("/admin");
  // What the browser sends for the concurrency form without the WebAssembly, with a value its own
  // checks (min, max) would have stopped: the server refuses it, changes nothing and sends the
  // browser back to the page with the reason in the address.
  const form = page.locator("form", { has: page.getByLabel("Concurrency", { exact: true }) });
  const action = await form.getAttribute("action");
  expect(action).toBeTruthy();
  const refused = await page.request.post(action!, {
    form: { concurrency: "11" },
    headers: { Accept: "text/html", Referer: page.url() },
    maxRedirects: 0,
  });
  expect(refused.status()).toBe(302);
  const back = refused.headers()["location"];
  expect(back).toMatch(/\/admin\?.*__err=/);
  await page.goto(back);
  await expect(page.getByRole("alert").first()).toHaveText(/whole number from 1 to 10/i);
  await expect(page.getByLabel("Concurrency", { exact: true })).not.toHaveValue("11");

  // The same address with the WebAssembly: the message stays, and the page hydrates cleanly.
  const withJs = await browser.newContext({
    javaScriptEnabled: true,
    storageState: await context.storageState(),
  });
  try {
    const hydrated = await withJs.newPage();
    const problems: string[] = [];
    hydrated.on("console", (msg) => {
      if (msg.type() === "error" || /hydrat/i.test(msg.text())) problems.push(msg.text());
    });
    hydrated.on("pageerror", (err) => problems.push(err.message));
    await hydrated.goto(page.url());
    await waitForHydration(hydrated);
    await expect(hydrated.getByRole("alert").first()).toHaveText(/whole number from 1 to 10/i);
    expect(problems, "console errors").toEqual([]);
  } finally {
    await withJs.close();
  }
});
