//! The service's rule breaks in each language. English is the API's own text as a sentence;
//! every other language matches every [`Problem`], so a new rule without its translation does
//! not compile.

use crate::{PresetField, Problem};

/// English: the text the REST API sends, capitalised and ended like a sentence.
pub fn en(problem: &Problem) -> String {
    let text = problem.to_string();
    let mut chars = text.chars();
    let mut sentence: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => return text,
    };
    if !sentence.ends_with(['.', '?', '!', ')']) {
        sentence.push('.');
    }
    sentence
}

/// Simplified Chinese.
pub fn zh(problem: &Problem) -> String {
    use Problem as P;
    let status = |s| (super::zh::ZH.status)(s);
    match problem {
        P::Text { message } => message.clone(),
        P::PromptEmpty => "提示词为空：请描述要如何处理这些图片。".into(),
        P::PromptTooLong { max } => format!("提示词超过 {max} 个字符。"),
        P::UnknownModel { model, offered } => {
            format!("未知模型“{model}”；可选：{}。", offered.join("、"))
        }
        P::NoImages => "请至少添加一张图片。".into(),
        P::NameTooLong { max } => format!("批次名称超过 {max} 个字符。"),
        P::TooManyImages { max } => format!("图片太多：每个批次最多 {max} 张。"),
        P::FileTooLarge { file, max_mb } => {
            format!("{file}：超过 {max_mb} MB；每张图片最大 {max_mb} MB。")
        }
        P::NotAnImage { file } => {
            format!("{file}：不是支持的图片格式（JPEG、PNG、GIF、WebP、BMP 或 TIFF）。")
        }
        P::DamagedImage { file, detail } => format!("{file}：图片已损坏或不完整（{detail}）。"),
        P::TooManyPixels {
            file,
            width,
            height,
            max_side,
            max_pixels,
        } => format!(
            "{file}：图片为 {width}×{height} 像素；每边最多 {max_side} 像素，总计最多 {max_pixels} 像素。"
        ),
        P::PackedTooTightly {
            file,
            width,
            height,
            bytes,
            from_megapixels,
            pixels_per_byte,
        } => format!(
            "{file}：{width}×{height} 像素只用了 {bytes} 字节，这不是照片而是解压炸弹；超过 {from_megapixels} 百万像素的图片每 {pixels_per_byte} 像素至少需要 1 字节。"
        ),
        P::UploadTooLarge { max_images, max_mb } => {
            format!("上传内容超过一个批次的上限（{max_images} 张图片，每张最大 {max_mb} MB）。")
        }
        P::FieldTooLong { field } => format!("字段“{field}”太长。"),
        P::NotEnoughCredits { needed, balance } => {
            format!("积分不足：需要 {needed} 积分，你有 {balance} 积分。")
        }
        P::BatchFinished { status: s } => format!("这个批次已结束（{}）。", status(*s)),
        P::NotFailed { status: s } => {
            format!("只有失败的任务可以重试；这个任务当前为“{}”。", status(*s))
        }
        P::RetriesUsedUp { max } => {
            format!("这张图片已重试 {max} 次；请改用编辑（新的提示词会重新生成）。")
        }
        P::StorageFull { used_mb, quota_mb } => {
            format!("存储空间已满：你的 {quota_mb} MB 中已用 {used_mb} MB；请删除不再需要的批次。")
        }
        P::UploadsInFlight { max } => format!("你已有 {max} 个上传正在进行；请等其中一个完成。"),
        P::TooManyStreams { max } => {
            format!("同时打开的实时进度连接过多：每个账户最多 {max} 个；请关闭其他 imgbatch 页面。")
        }
        P::StreamsFull => "服务器的实时进度连接已满，请稍后再试。".into(),
        P::StillProcessing => "这张图片仍在处理中；完成后再编辑。".into(),
        P::NoResultYet => "这张图片还没有结果；请从原图开始编辑。".into(),
        P::ChangedMeanwhile => "任务已被更改；请刷新后重试。".into(),
        P::WrongCredentials => "用户名或密码错误。".into(),
        P::RegistrationClosed => "本服务器已关闭注册；请向管理员申请账户。".into(),
        P::UsernameRules => "用户名为 3 到 32 个字符：字母、数字、“_”、“-”或“.”。".into(),
        P::PasswordRules => "密码为 8 到 128 个字符。".into(),
        P::UsernameTaken { username } => format!("用户名“{username}”已被使用，请换一个。"),
        P::NegativeCredits => "初始积分不能为负数。".into(),
        P::KeyEmpty => "API 密钥为空。".into(),
        P::KeyTooLong { max } => format!("API 密钥最多 {max} 个字符。"),
        P::KeyNotAccepted { provider, accepted } if accepted.is_empty() => {
            format!("“{provider}”不接受你自己的 API 密钥：本服务器没有接受自有密钥的服务商。")
        }
        P::KeyNotAccepted { provider, accepted } => format!(
            "“{provider}”不接受你自己的 API 密钥；接受的有：{}。",
            accepted.join("、")
        ),
        P::OwnAdminRole => "你不能撤销自己的管理员身份；可以由另一位管理员撤销。".into(),
        P::GrantAmount { max } => {
            format!("数量须为 -{max} 到 {max} 之间且不为 0 的整数（负数会扣除积分，最低扣到 0）。")
        }
        P::Concurrency { min, max } => format!("并发数须为 {min} 到 {max} 之间的整数。"),
        P::PresetFieldEmpty { field } => format!("{}不能为空。", preset_field(*field)),
        P::PresetFieldTooLong { field, max } => {
            format!("{}超过 {max} 个字符。", preset_field(*field))
        }
        P::SortOrderRange { max } => format!("排序须为 -{max} 到 {max} 之间的整数。"),
    }
}

fn preset_field(field: PresetField) -> &'static str {
    match field {
        PresetField::Title => "标题",
        PresetField::Content => "内容",
        PresetField::Category => "分类",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Status;

    #[test]
    fn english_reads_as_a_sentence() {
        assert_eq!(
            en(&Problem::PromptEmpty),
            "The prompt is empty: describe what to do with the images."
        );
    }

    #[test]
    fn chinese_names_the_status_in_chinese() {
        let text = zh(&Problem::BatchFinished {
            status: Status::Cancelled,
        });
        assert_eq!(text, "这个批次已结束（已取消）。");
    }
}
