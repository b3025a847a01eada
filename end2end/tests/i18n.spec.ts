import { test, expect, open, signInAs, snapshot, user, waitForHydration } from "./fixtures";

test("the language switch changes every visible word and survives a reload", async ({ page, context }, info) => {
  await signInAs(context, "user");
  await open(page, "/batch");
  await expect(page.getByRole("link", { name: "History", exact: true })).toBeVisible();
  await page.getByRole("button", { name: "切换到中文" }).click();

  const chinese = async () => {
    await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
    await expect(page.getByRole("link", { name: "批量图生图", exact: true })).toBeVisible();
    await expect(page.getByRole("link", { name: "历史批次", exact: true })).toBeVisible();
    await expect(page.getByLabel("提示词")).toBeVisible();
    await expect(page.getByLabel("预设")).toBeVisible();
    await expect(page.getByLabel("模型")).toBeVisible();
    await expect(page.getByRole("button", { name: "开始批量生成" })).toBeVisible();
    await expect(page.getByText("拖拽文件夹或多个图片文件到上传区域，或点击上传区域选择文件")).toBeVisible();
    await expect(page.getByRole("banner").getByText("10 积分")).toBeVisible();
    // No English word of the page is left.
    const text = await page.locator("body").innerText();
    for (const english of ["Prompt", "Preset", "History", "Start batch generation", "credits", "Choose folder"]) {
      expect(text).not.toContain(english);
    }
  };
  await chinese();
  await snapshot(page, info, "batch-zh");
  await page.reload();
  await chinese();

  await page.getByRole("button", { name: "Switch to English" }).click();
  await expect(page.getByRole("link", { name: "History", exact: true })).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Prompt")).toBeVisible();
});

test("a browser that prefers Chinese starts in Chinese, server errors included", async ({ browser }) => {
  const context = await browser.newContext({ locale: "zh-CN" });
  const page = await context.newPage();
  await open(page, "/login");
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
  await expect(page.getByRole("tab", { name: "登录" })).toBeVisible();
  await expect(page.getByRole("form", { name: "登录" }).getByLabel("用户名")).toBeVisible();

  // The server refuses the taken name; the page says why in Chinese.
  await waitForHydration(page);
  await page.getByRole("tab", { name: "注册账户" }).click();
  const form = page.getByRole("form", { name: "注册账户" });
  await form.getByLabel("用户名").fill(user.name);
  await form.getByLabel("密码").fill("another-password-1");
  await form.getByRole("button", { name: "注册账户" }).click();
  await expect(form.getByRole("alert")).toHaveText(`用户名“${user.name}”已被使用，请换一个。`);
  await context.close();
});
