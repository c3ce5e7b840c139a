//! A short, soft tone for an agent's message while the chat is hidden,
//! and (compiled into the call module too) the ring of a call's
//! invitation, made with WebAudio (no audio file to load). A browser that
//! has not seen a gesture in the frame may keep it silent; that is fine.

use std::cell::RefCell;
use web_sys::{AudioContext, OscillatorType};

thread_local! {
    static CONTEXT: RefCell<Option<AudioContext>> = const { RefCell::new(None) };
}

/// Plays the tone.
pub fn tone() {
    CONTEXT.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.is_none() {
            *cell = AudioContext::new().ok();
        }
        if let Some(context) = cell.as_ref() {
            let _ = play(context);
        }
    });
}

fn play(context: &AudioContext) -> Result<(), wasm_bindgen::JsValue> {
    let _ = context.resume();
    let now = context.current_time();
    let oscillator = context.create_oscillator()?;
    oscillator.set_type(OscillatorType::Sine);
    oscillator.frequency().set_value(880.0);
    let gain = context.create_gain()?;
    gain.gain().set_value_at_time(0.0001, now)?;
    gain.gain()
        .exponential_ramp_to_value_at_time(0.12, now + 0.02)?;
    gain.gain()
        .exponential_ramp_to_value_at_time(0.0001, now + 0.3)?;
    oscillator.connect_with_audio_node(&gain)?;
    gain.connect_with_audio_node(&context.destination())?;
    oscillator.start()?;
    oscillator.stop_with_when(now + 0.32)?;
    Ok(())
}
