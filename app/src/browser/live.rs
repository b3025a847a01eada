//! A batch's live-progress stream (`EventSource`), which reconnects by itself; every (re)connect
//! begins with a snapshot of the whole batch.

use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use web_sys::{Event, EventSource, MessageEvent};

use crate::types::EventKind;

const KINDS: [EventKind; 5] = [
    EventKind::Snapshot,
    EventKind::Queue,
    EventKind::Task,
    EventKind::Progress,
    EventKind::End,
];

/// An open stream; closed when dropped.
pub struct LiveStream {
    source: EventSource,
    _handlers: Vec<Closure<dyn FnMut(MessageEvent)>>,
    _on_error: Closure<dyn FnMut(Event)>,
}

impl LiveStream {
    /// Opens `url`; `on_event` gets each event's kind and JSON text, `on_error` whether the
    /// browser gave up (it retries by itself otherwise).
    pub fn open(
        url: &str,
        on_event: impl Fn(EventKind, String) + Clone + 'static,
        on_error: impl Fn(bool) + 'static,
    ) -> Result<Self, JsValue> {
        let source = EventSource::new(url)?;
        let mut handlers = Vec::new();
        for kind in KINDS {
            let on_event = on_event.clone();
            let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let data = event.data().as_string().unwrap_or_default();
                on_event(kind, data);
            });
            source.add_event_listener_with_callback(
                kind.as_str(),
                handler.as_ref().unchecked_ref(),
            )?;
            handlers.push(handler);
        }
        let watched = source.clone();
        let on_error = Closure::<dyn FnMut(Event)>::new(move |_: Event| {
            on_error(watched.ready_state() == EventSource::CLOSED);
        });
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Self {
            source,
            _handlers: handlers,
            _on_error: on_error,
        })
    }
}

impl Drop for LiveStream {
    fn drop(&mut self) {
        self.source.close();
    }
}
