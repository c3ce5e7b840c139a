//! Reading and making the JSON bodies of the HTTP API and of the loader's
//! messages as JavaScript values (`JSON.parse`, then field by field), so
//! only the conversation socket's frames go through serde: every
//! `Deserialize` type costs the Wasm its own visitor code, and these bodies
//! are read in one place each.

use wasm_bindgen::JsValue;

/// `value[key]`, `undefined` when absent or when `value` is no object.
pub fn get(value: &JsValue, key: &str) -> JsValue {
    if !value.is_object() {
        return JsValue::UNDEFINED;
    }
    js_sys::Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// A string field.
pub fn string(value: &JsValue, key: &str) -> Option<String> {
    get(value, key).as_string()
}

/// A boolean field.
pub fn boolean(value: &JsValue, key: &str) -> Option<bool> {
    get(value, key).as_bool()
}

/// A number field.
pub fn number(value: &JsValue, key: &str) -> Option<f64> {
    get(value, key).as_f64()
}

/// The items of an array field (none when it is not an array).
pub fn items(value: &JsValue, key: &str) -> Vec<JsValue> {
    let list = get(value, key);
    if js_sys::Array::is_array(&list) {
        js_sys::Array::from(&list).iter().collect()
    } else {
        Vec::new()
    }
}

/// The string-valued entries of an object field, in its order.
pub fn strings(value: &JsValue, key: &str) -> Vec<(String, String)> {
    let object = get(value, key);
    if !object.is_object() {
        return Vec::new();
    }
    js_sys::Object::entries(&object.into())
        .iter()
        .filter_map(|pair| {
            let pair = js_sys::Array::from(&pair);
            Some((pair.get(0).as_string()?, pair.get(1).as_string()?))
        })
        .collect()
}

/// An object of the given fields; `None` values are left out.
pub fn object(fields: &[(&str, Option<JsValue>)]) -> JsValue {
    let object = js_sys::Object::new();
    for (key, value) in fields {
        if let Some(value) = value {
            let _ = js_sys::Reflect::set(&object, &JsValue::from_str(key), value);
        }
    }
    object.into()
}

/// A string value.
pub fn text(value: &str) -> Option<JsValue> {
    Some(JsValue::from_str(value))
}

/// An optional string value.
pub fn maybe(value: &Option<String>) -> Option<JsValue> {
    value.as_deref().map(JsValue::from_str)
}

/// An object of string fields.
pub fn map(pairs: &[(String, String)]) -> JsValue {
    let object = js_sys::Object::new();
    for (key, value) in pairs {
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(key), &JsValue::from_str(value));
    }
    object.into()
}

/// Parses JSON text.
pub fn parse(text: &str) -> Option<JsValue> {
    js_sys::JSON::parse(text).ok()
}

/// JSON text of a value.
pub fn stringify(value: &JsValue) -> String {
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}
