use super::Messages;
use crate::types::{LedgerReason, Status};

pub static EN: Messages = Messages {
    tagline: "Batch image-to-image generation",
    nav_batch: "Batch",
    nav_history: "History",
    nav_account: "Account",
    nav_admin: "Admin",
    switch_language: "中文",
    switch_language_label: "切换到中文",
    sign_out: "Sign out",
    credits: |n| {
        if n == 1 {
            "1 credit".into()
        } else {
            format!("{n} credits")
        }
    },
    loading: "Loading…",
    not_found: "Page not found",
    back_home: "Back to imgbatch",
    main_nav: "Main",

    sign_in: "Sign in",
    create_account: "Create account",
    username: "Username",
    password: "Password",
    welcome: "Transform a whole folder of pictures with one prompt.",
    username_hint: "3–32 letters, digits, _, - or .",
    password_hint: "8–128 characters",

    new_batch: "Batch image-to-image",
    drop_here: "Drop a folder or images here, or click to choose",
    drop_hint: "JPEG, PNG, GIF, WebP, BMP or TIFF · up to 50 images · 10 MB each",
    choose_files: "Choose files",
    choose_folder: "Choose folder",
    clear_all: "Clear all",
    remove: "Remove",
    not_an_image: "not an image",
    over_10_mb: "over 10 MB",
    left_out: "left out",
    chosen_count: |n| {
        if n == 1 {
            "1 image".into()
        } else {
            format!("{n} images")
        }
    },
    too_many: |n| format!("{n} images chosen; a batch takes at most 50. Remove some to start."),
    no_images_yet: "No images chosen yet.",
    chosen_images: "Chosen images",

    prompt: "Prompt",
    prompt_placeholder: "Describe what to do with every image, e.g. “black and white, vintage”",
    preset: "Preset",
    no_preset: "— choose a preset —",
    model: "Model",
    demo_model: "Demo effects (built in)",
    batch_name: "Batch name (optional)",
    batch_name_placeholder: "e.g. Product photos, spring",
    cost: |n| {
        if n == 1 {
            "1 credit".into()
        } else {
            format!("{n} credits")
        }
    },
    free_with_key: "free with your key",
    balance_after: |n| format!("balance after: {n}"),
    not_enough_credits: |need, have| {
        format!("Not enough credits: this batch needs {need} and you have {have}.")
    },
    start: "Start batch generation",
    uploading: |sent, total| format!("Uploading {sent} of {total}"),
    cancel_upload: "Cancel upload",
    upload_cancelled: "Upload cancelled; nothing was charged.",
    upload_failed: "The upload failed; nothing was charged. Check the connection and try again.",
    prompt_required: "Write a prompt or pick a preset.",

    status: |s| match s {
        Status::Pending => "queued",
        Status::Processing => "processing",
        Status::Completed => "completed",
        Status::Failed => "failed",
        Status::Cancelled => "cancelled",
    },
    progress_label: "Progress",
    done_of: |done, total| format!("{done} / {total}"),
    failed_count: |n| format!("{n} failed"),
    eta: |t| format!("about {t} left"),
    attempt: |n| format!("attempt {n} of 3"),
    cancel_batch: "Cancel batch",
    cancel_confirm: "Cancel this batch? Images not started yet are refunded.",
    cancel_yes: "Yes, cancel",
    cancel_no: "Keep running",
    cancelled_refunded: |n| format!("Batch cancelled; {n} credits refunded."),
    retry: "Retry",
    retried: |left| match left {
        0 => "Task re-queued; that was its last retry".into(),
        1 => "Task re-queued; 1 retry left".into(),
        n => format!("Task re-queued; {n} retries left"),
    },
    live: "live",
    polling: "updating every few seconds",
    download: "Download",
    download_all: "Download all (.zip)",
    compare: "Compare",
    before: "Before",
    after: "After",
    original_image: "Original image",
    generated_image: "Generated image",
    images: "Images",
    model_line: |m| format!("Model: {m}"),

    edit: "Edit",
    edit_title: |name| format!("Edit {name}"),
    new_prompt: "New prompt",
    start_from: "Start from",
    from_result: "the latest result",
    from_original: "the original",
    regenerate: "Regenerate",
    edit_cost: |free| {
        if free {
            "free with your key"
        } else {
            "1 credit"
        }
    },
    edit_queued: "Queued as a new version.",
    versions: "Versions",
    view: "View",
    close: "Close",
    no_result_yet: "No result yet",

    history_title: "History",
    history_empty: "No batches yet.",
    start_first_batch: "Start your first batch",
    newer: "Newer",
    older: "Older",
    page: |n| format!("Page {n}"),
    created: "Created",

    account_title: "Account",
    balance: "Balance",
    ledger: "Credit history",
    ledger_empty: "No credit changes yet.",
    date: "Date",
    change: "Change",
    reason: "Reason",
    batch: "Batch",
    ledger_reason: |r| match r {
        LedgerReason::Signup => "starting credits",
        LedgerReason::AdminGrant => "changed by an administrator",
        LedgerReason::Batch => "batch",
        LedgerReason::Edit => "edit",
        LedgerReason::Refund => "refund",
    },
    api_keys: "Your own API keys",
    api_keys_hint: "With your own key for a provider, its images cost no credits. Keys are stored encrypted and never shown again.",
    no_key_providers: "No provider on this server takes your own key.",
    api_key: "API key",
    save_key: "Save key",
    replace_key: "Replace key",
    remove_key: "Remove key",
    key_saved: "Key saved.",
    key_removed: "Key removed.",
    no_key: "no key stored",
    sessions: "Sessions",
    sessions_hint: "Signed in somewhere else, or gave a script a token? This ends every session and API token of your account, this one included.",
    sign_out_everywhere: "Sign out everywhere",

    admin_title: "Admin panel",
    admin_only: "This page is for administrators.",
    batch_configuration: "Batch configuration",
    concurrency: "Concurrency",
    concurrency_hint: "Provider calls running at once across the whole server (1–10).",
    save: "Save",
    cancel: "Cancel",
    saved: "Saved.",
    running_now: |running, waiting, failed| {
        format!("Now: {running} running, {waiting} waiting, {failed} failed in the last hour")
    },
    presets_title: "Preset prompts",
    title: "Title",
    content: "Content",
    category: "Category",
    sort_order: "Sort order",
    active: "Active",
    add_preset: "Add preset",
    delete: "Delete",
    keep: "Keep",
    delete_confirm: "Delete this preset?",
    move_up: "Move up",
    move_down: "Move down",
    disabled: "disabled",
    enable: "Enable",
    disable: "Disable",
    presets_empty: "No presets yet. Add one below.",
    monitoring: "Task monitoring",
    status_filter: "Status",
    all_statuses: "All statuses",
    filter_user: "User",
    user: "User",
    monitoring_empty: "No batches match.",
    statistics: "Statistics",
    images_per_day: "Images per day",
    success_rate: "Success rate",
    mean_processing: "Mean processing time",
    credits_spent: "Credits spent",
    no_data: "No data yet.",
    users_title: "Users",
    role: "Role",
    admin_role: "administrator",
    member_role: "member",
    grant: "Grant",
    amount: "Amount",
    make_admin: "Make admin",
    revoke_admin: "Revoke admin",
    granted: |user, credits| format!("{user} now has {credits} credits."),

    error_sign_in: "Please sign in.",
    error_forbidden: "You are not allowed to do this.",
    error_server: "Something went wrong on the server, please try again.",
    error_network: "The server could not be reached. Check the connection and try again.",
    error_too_many: |s| format!("Too many attempts; try again in {s} s."),
    error_not_found: "Not found: it may have been deleted, or it belongs to someone else.",
    problem: super::problems::en,
};
