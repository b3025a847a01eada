//! A batch's live-progress stream (`EventSource`), which reconnects by itself: a first connect
//! begins with a snapshot of the whole batch, a reconnect (which sends the last event id) with
//! what changed since.

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

/// Where the connection of a stream stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    Open,
    /// Lost; the browser retries by itself.
    Retrying,
    /// Given up.
    Closed,
}

/// An open stream; closed when dropped.
pub struct LiveStream {
    source: EventSource,
    _handlers: Vec<Closure<dyn FnMut(MessageEvent)>>,
    _on_state: [Closure<dyn FnMut(Event)>; 2],
}

impl LiveStream {
    /// Opens `url`; `on_event` gets each event's kind and JSON text, `on_connection` each
    /// change of the connection.
    pub fn open(
        url: &str,
        on_event: impl Fn(EventKind, String) + Clone + 'static,
        on_connection: impl Fn(Connection) + Clone + 'static,
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
        let on_lost = on_connection.clone();
        let on_error = Closure::<dyn FnMut(Event)>::new(move |_: Event| {
            on_lost(if watched.ready_state() == EventSource::CLOSED {
                Connection::Closed
            } else {
                Connection::Retrying
            });
        });
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let on_open = Closure::<dyn FnMut(Event)>::new(move |_: Event| {
            on_connection(Connection::Open);
        });
        source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        Ok(Self {
            source,
            _handlers: handlers,
            _on_state: [on_error, on_open],
        })
    }
}

impl Drop for LiveStream {
    fn drop(&mut self) {
        self.source.close();
    }
}
