//! Simplified Chinese and English. Each language is one [`Messages`] value, so a missing
//! translation is a compile error. The language comes from the `imgbatch_lang` cookie, else from
//! `Accept-Language`; the server renders it into `<html lang>`, where the browser reads it back
//! when hydrating, so both render the same words.

mod en;
mod messages;
mod problems;
mod zh;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use messages::Messages;

/// Name of the cookie that keeps the chosen language.
pub const LANG_COOKIE: &str = "imgbatch_lang";

/// A language of the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    /// The BCP 47 tag for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Zh => "zh-CN",
        }
    }

    /// The value stored in the cookie.
    pub fn cookie_value(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Zh => "zh",
        }
    }

    /// The other language, for the switch.
    pub fn other(self) -> Self {
        match self {
            Self::En => Self::Zh,
            Self::Zh => Self::En,
        }
    }

    pub fn messages(self) -> &'static Messages {
        match self {
            Self::En => &en::EN,
            Self::Zh => &zh::ZH,
        }
    }

    /// A language tag or cookie value such as `zh-CN`, `zh`, `en-US`.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Self::Zh),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The first supported language of an `Accept-Language` header, by preference.
    pub fn from_accept_language(header: &str) -> Option<Self> {
        let mut ranked: Vec<(f32, Self)> = header
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.split(';');
                let lang = Self::from_tag(pieces.next()?)?;
                let quality = pieces
                    .find_map(|p| p.trim().strip_prefix("q=")?.parse::<f32>().ok())
                    .unwrap_or(1.0);
                Some((quality, lang))
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranked.first().map(|(_, lang)| *lang)
    }

    /// The language of a request: the cookie, else `Accept-Language`, else English.
    pub fn from_headers(headers: &http::HeaderMap) -> Self {
        let cookie = headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == LANG_COOKIE)
            .and_then(|(_, value)| Self::from_tag(value));
        cookie
            .or_else(|| {
                headers
                    .get(http::header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(Self::from_accept_language)
            })
            .unwrap_or_default()
    }
}

/// The language of the page being rendered: from the request on the server, from `<html lang>`
/// in the browser.
pub fn initial_lang() -> Lang {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .map(|parts| Lang::from_headers(&parts.headers))
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        document()
            .document_element()
            .and_then(|html| html.get_attribute("lang"))
            .and_then(|tag| Lang::from_tag(&tag))
            .unwrap_or_default()
    }
}

/// Provides the language signal to the app.
pub fn provide_lang() -> RwSignal<Lang> {
    let lang = RwSignal::new(initial_lang());
    provide_context(lang);
    lang
}

/// The current language.
pub fn use_lang() -> RwSignal<Lang> {
    use_context::<RwSignal<Lang>>().unwrap_or_else(|| RwSignal::new(Lang::default()))
}

/// The messages of the current language: `t().sign_in`. Read inside a view it follows the
/// language switch; read in an event handler it gives the language of that moment.
pub fn use_t() -> impl Fn() -> &'static Messages + Copy + Send + Sync + 'static {
    let lang = use_lang();
    move || {
        if leptos::reactive::graph::Observer::get().is_some() {
            lang.get().messages()
        } else {
            lang.get_untracked().messages()
        }
    }
}

/// Switches the language and remembers it in a cookie the server reads too.
pub fn switch_lang(lang: RwSignal<Lang>) {
    let next = lang.get_untracked().other();
    lang.set(next);
    #[cfg(not(feature = "ssr"))]
    {
        use wasm_bindgen::JsCast;
        if let Ok(doc) = document().dyn_into::<web_sys::HtmlDocument>() {
            let _ = doc.set_cookie(&format!(
                "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                next.cookie_value()
            ));
        }
        if let Some(html) = document().document_element() {
            let _ = html.set_attribute("lang", next.tag());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_preferred_supported_language() {
        assert_eq!(
            Lang::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"),
            Some(Lang::Zh)
        );
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(
            Lang::from_accept_language("fr-FR,en;q=0.5,zh;q=0.7"),
            Some(Lang::Zh)
        );
        assert_eq!(Lang::from_accept_language("fr"), None);
    }

    #[test]
    fn the_cookie_wins_over_the_header() {
        let mut headers = http::HeaderMap::new();
        headers.insert(http::header::ACCEPT_LANGUAGE, "zh-CN".parse().unwrap());
        assert_eq!(Lang::from_headers(&headers), Lang::Zh);
        headers.insert(
            http::header::COOKIE,
            "a=b; imgbatch_lang=en".parse().unwrap(),
        );
        assert_eq!(Lang::from_headers(&headers), Lang::En);
    }
}
