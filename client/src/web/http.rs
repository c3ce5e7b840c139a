//! The HTTP API over `gloo-net`'s `fetch`: JSON in, JSON out, a bearer token
//! when given, every failure an [`HttpError`]. Paths are relative to the
//! page's own origin, where the worker serves both the apps and the API.

pub use crate::http::HttpError;

use gloo_net::http::{Request, RequestBuilder};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// `GET path`, answered as `R`.
pub async fn get<R: DeserializeOwned>(path: &str, token: Option<&str>) -> Result<R, HttpError> {
    send(request(Request::get(path), token), None::<&()>).await
}

/// `POST path` with `body` as JSON (or no body), answered as `R`.
pub async fn post<B: Serialize, R: DeserializeOwned>(
    path: &str,
    token: Option<&str>,
    body: Option<&B>,
) -> Result<R, HttpError> {
    send(request(Request::post(path), token), body).await
}

/// `DELETE path`, answered as `R`.
pub async fn delete<R: DeserializeOwned>(path: &str, token: Option<&str>) -> Result<R, HttpError> {
    send(request(Request::delete(path), token), None::<&()>).await
}

/// `PATCH path` with `body` as JSON, answered as `R`.
pub async fn patch<B: Serialize, R: DeserializeOwned>(
    path: &str,
    token: Option<&str>,
    body: &B,
) -> Result<R, HttpError> {
    send(request(Request::patch(path), token), Some(body)).await
}

/// `PUT path` with `body` as JSON, answered as `R`.
pub async fn put<B: Serialize, R: DeserializeOwned>(
    path: &str,
    token: Option<&str>,
    body: &B,
) -> Result<R, HttpError> {
    send(request(Request::put(path), token), Some(body)).await
}

/// `GET path`, answered as bytes (a download); a refusal as an
/// [`HttpError`] with the server's sentence.
pub async fn get_bytes(path: &str, token: Option<&str>) -> Result<Vec<u8>, HttpError> {
    let response = request(Request::get(path), token)
        .build()
        .map_err(|_| HttpError::Network)?
        .send()
        .await
        .map_err(|_| HttpError::Network)?;
    let status = response.status();
    if (200..300).contains(&status) {
        return response.binary().await.map_err(|_| HttpError::Network);
    }
    let text = response.text().await.map_err(|_| HttpError::Network)?;
    crate::http::read::<serde_json::Value>(status, &text).map(|_| Vec::new())
}

/// `POST path?query` with `body` (a `Blob` or `File`) as the raw body of
/// type `content_type`, answered as `R`.
pub async fn upload<R: DeserializeOwned>(
    path: &str,
    token: Option<&str>,
    query: &[(&str, String)],
    body: &web_sys::Blob,
    content_type: &str,
) -> Result<R, HttpError> {
    let request = request(Request::post(path), token)
        .query(query.iter().map(|(k, v)| (*k, v.as_str())))
        .header("Content-Type", content_type)
        .body(wasm_bindgen::JsValue::from(body.clone()))
        .map_err(|_| HttpError::Network)?;
    let response = request.send().await.map_err(|_| HttpError::Network)?;
    let text = response.text().await.map_err(|_| HttpError::Network)?;
    crate::http::read(response.status(), &text)
}

/// `GET path`, answered as a parsed JSON value (for a client that reads
/// answers by hand: see [`crate::wire`]).
pub async fn get_value(path: &str, token: Option<&str>) -> Result<serde_json::Value, HttpError> {
    send_value(request(Request::get(path), token), None).await
}

/// `POST path` with `body` as JSON, answered as a parsed JSON value.
pub async fn post_value(
    path: &str,
    token: Option<&str>,
    body: &serde_json::Value,
) -> Result<serde_json::Value, HttpError> {
    send_value(request(Request::post(path), token), Some(body)).await
}

async fn send_value(
    builder: RequestBuilder,
    body: Option<&serde_json::Value>,
) -> Result<serde_json::Value, HttpError> {
    let request = match body {
        Some(body) => builder
            .header("Content-Type", "application/json")
            .body(serde_json::to_string(body).unwrap_or_default()),
        None => builder.build(),
    }
    .map_err(|_| HttpError::Network)?;
    let response = request.send().await.map_err(|_| HttpError::Network)?;
    let text = response.text().await.map_err(|_| HttpError::Network)?;
    crate::http::read_value(response.status(), &text)
}

fn request(builder: RequestBuilder, token: Option<&str>) -> RequestBuilder {
    let builder = builder.header("Accept", "application/json");
    match token {
        Some(token) => builder.header("Authorization", &(String::from("Bearer ") + token)),
        None => builder,
    }
}

async fn send<B: Serialize, R: DeserializeOwned>(
    builder: RequestBuilder,
    body: Option<&B>,
) -> Result<R, HttpError> {
    let request = match body {
        Some(body) => builder.json(body),
        None => builder.build(),
    }
    // Only an unserializable body or a malformed path fail here: both are
    // this client's fault, and say as much as a broken connection.
    .map_err(|_| HttpError::Network)?;
    let response = request.send().await.map_err(|_| HttpError::Network)?;
    let text = response.text().await.map_err(|_| HttpError::Network)?;
    crate::http::read(response.status(), &text)
}
