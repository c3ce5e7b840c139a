//! The OpenAPI 3.1 document of the HTTP API for a site's own systems
//! (API tokens): every path written once here, every body's schema
//! generated from the `shared` wire types (schemars, JSON Schema 2020-12
//! as OpenAPI 3.1 uses it). `cargo run -p tests --bin openapi` writes it
//! to `docs/openapi.json`, which the worker serves at
//! `GET /api/v1/openapi.json`; a test fails when that file differs from
//! what [`document`] makes. The integration tests validate the worker's
//! real answers against it ([`response_schema`]) and the document itself
//! ([`check_document`]).

use anyhow::{anyhow, bail, Result};
use schemars::generate::{Contract, SchemaSettings};
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{json, Map, Value};
use shared::admin::ApiScope;
use shared::integration::ROUTES;

/// Where the committed document is, from the repository's root.
pub const PATH: &str = "docs/openapi.json";

/// The schemas of answers (as the server writes them) and of request
/// bodies (as the server reads them), into one `components.schemas`.
struct Schemas {
    answers: SchemaGenerator,
    bodies: SchemaGenerator,
}

impl Schemas {
    fn new() -> Self {
        let settings = |contract| {
            let mut s = SchemaSettings::draft2020_12();
            s.definitions_path = "/components/schemas".into();
            s.contract = contract;
            s.meta_schema = None;
            s
        };
        Schemas {
            answers: settings(Contract::Serialize).into_generator(),
            bodies: settings(Contract::Deserialize).into_generator(),
        }
    }

    fn answer<T: JsonSchema>(&mut self) -> Value {
        self.answers.subschema_for::<T>().to_value()
    }

    fn body<T: JsonSchema>(&mut self) -> Value {
        self.bodies.subschema_for::<T>().to_value()
    }

    /// Both sets of definitions; a name both define must mean the same.
    fn components(mut self) -> Map<String, Value> {
        let mut all = self.answers.take_definitions(true);
        for (name, schema) in self.bodies.take_definitions(true) {
            match all.get(&name) {
                Some(existing) if *existing != schema => {
                    panic!("the schema {name} differs as an answer and as a body: give one of them its own type")
                }
                _ => {
                    all.insert(name, schema);
                }
            }
        }
        all
    }
}

fn scope_name(scope: ApiScope) -> String {
    serde_json::to_value(scope)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn json_content(schema: Value) -> Value {
    json!({ "application/json": { "schema": schema } })
}

fn query(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
}

fn id_param(what: &str) -> Value {
    json!({ "name": "id", "in": "path", "required": true, "description": what, "schema": { "type": "string" } })
}

/// One operation: what the table below says of a route.
struct Operation {
    summary: &'static str,
    description: &'static str,
    parameters: Vec<Value>,
    body: Option<Value>,
    ok: (u16, &'static str, Value),
    /// The answer may also be CSV (`format=csv`).
    csv: bool,
    errors: &'static [u16],
}

fn error_text(status: u16) -> &'static str {
    match status {
        400 => "A bad query or body: the message says why (`bad_request`, `invalid_message`).",
        401 => "No API token, or an unknown or revoked one (`unauthorized`).",
        403 => "The token lacks the route's scope (`forbidden`).",
        404 => "Nothing of that id in the token's workspace (`not_found`).",
        409 => "A conflict: the contact exists (`conflict`), or the conversation closed meanwhile (`conversation_closed`).",
        413 => "A body over 16 KiB (`too_large`).",
        _ => "An error.",
    }
}

fn operation(schemas: &mut Schemas, method: &str, path: &str) -> Result<Operation> {
    use shared::api::{CloseRequest, OfflineMessage};
    use shared::contacts::{ContactDetail, ContactPage, ContactPatch};
    use shared::inbox::ConversationSummary;
    use shared::integration::{ContactCreate, ConversationDetail, ConversationList, TagsRequest};
    let int = |min: i64| json!({ "type": "integer", "minimum": min });
    Ok(match (method, path) {
        ("get", "/api/v1/openapi.json") => Operation {
            summary: "This document",
            description: "The OpenAPI 3.1 document of this API. No token.",
            parameters: vec![],
            body: None,
            ok: (200, "The document.", json!({ "type": "object" })),
            csv: false,
            errors: &[],
        },
        ("get", "/api/v1/conversations") => Operation {
            summary: "List conversations",
            description: "The workspace's conversations, newest first (by when they entered the queue): the open ones (queued, active, on hold) as the workspace lists them now, and the closed ones its contacts store keeps. A conversation whose visitor never wrote is not listed.",
            parameters: vec![
                query("status", "Only this state.", json!({ "type": "string", "enum": ["queued", "active", "on_hold", "closed"] })),
                query("department", "Only this department's (its id).", json!({ "type": "string" })),
                query("from", "Started at or after this time (ms since the Unix epoch).", int(0)),
                query("to", "Started before this time (ms since the Unix epoch).", int(0)),
                query("limit", "Conversations on the page, 1 to 200 (default 50).", json!({ "type": "integer", "minimum": 1, "maximum": 200 })),
                query("cursor", "The `next_cursor` of the previous page.", json!({ "type": "string" })),
            ],
            body: None,
            ok: (200, "One page.", schemas.answer::<ConversationList>()),
            csv: false,
            errors: &[400, 401, 403],
        },
        ("get", "/api/v1/conversations/{id}") => Operation {
            summary: "Read a conversation",
            description: "Its room information and its messages as the workspace's agents read them: the visitor's and agents' messages, system lines, forward comments and internal notes; never a whisper (a supervisor's word to one agent). Oldest first, a page at a time.",
            parameters: vec![
                id_param("The conversation's id."),
                query("after", "Messages with a higher `seq` (default 0).", int(0)),
                query("limit", "Messages on the page, 1 to 1000 (default 200).", json!({ "type": "integer", "minimum": 1, "maximum": 1000 })),
            ],
            body: None,
            ok: (200, "The conversation and a page of its messages.", schemas.answer::<ConversationDetail>()),
            csv: false,
            errors: &[400, 401, 403, 404],
        },
        ("post", "/api/v1/conversations/{id}/close") => Operation {
            summary: "Close a conversation",
            description: "Closes an open conversation as an agent's \"Close\" does, on behalf of the workspace's systems: the comment is shown to the visitor (\"<workspace> closed the chat: <comment>\"), tags and disposition are checked against the workspace's lists, and the agent's slot is freed.",
            parameters: vec![id_param("The conversation's id.")],
            body: Some(schemas.body::<CloseRequest>()),
            ok: (200, "The conversation's last line in the lists, closed.", schemas.answer::<ConversationSummary>()),
            csv: false,
            errors: &[400, 401, 403, 404, 409, 413],
        },
        ("put", "/api/v1/conversations/{id}/tags") => Operation {
            summary: "Set a conversation's tags",
            description: "Replaces an open conversation's tags, as a \"Room information\" edit does: each tag is checked against the workspace's list when it restricts tags.",
            parameters: vec![id_param("The conversation's id.")],
            body: Some(schemas.body::<TagsRequest>()),
            ok: (200, "The conversation as the lists show it.", schemas.answer::<ConversationSummary>()),
            csv: false,
            errors: &[400, 401, 403, 404, 409, 413],
        },
        ("get", "/api/v1/contacts") => Operation {
            summary: "Search contacts",
            description: "The directory, newest contacts first; `q` finds contacts whose name, email or phone has words starting with each word typed.",
            parameters: vec![
                query("q", "Words to find.", json!({ "type": "string" })),
                query("limit", "Contacts on the page, 1 to 50 (default 20).", json!({ "type": "integer", "minimum": 1, "maximum": 50 })),
                query("offset", "Contacts skipped, 0 to 1000.", json!({ "type": "integer", "minimum": 0, "maximum": 1000 })),
            ],
            body: None,
            ok: (200, "One page.", schemas.answer::<ContactPage>()),
            csv: false,
            errors: &[400, 401, 403],
        },
        ("post", "/api/v1/contacts") => Operation {
            summary: "Create a contact",
            description: "A new contact. With `site` and `user_id`, its id is the one that site's signed user gets, so their chats find this record; otherwise a new id.",
            parameters: vec![],
            body: Some(schemas.body::<ContactCreate>()),
            ok: (201, "The new contact.", schemas.answer::<ContactDetail>()),
            csv: false,
            errors: &[400, 401, 403, 409, 413],
        },
        ("get", "/api/v1/contacts/{id}") => Operation {
            summary: "Read a contact",
            description: "The record and every conversation of the contact, newest first.",
            parameters: vec![id_param("The contact's id (a visitor id).")],
            body: None,
            ok: (200, "The contact.", schemas.answer::<ContactDetail>()),
            csv: false,
            errors: &[401, 403, 404],
        },
        ("patch", "/api/v1/contacts/{id}") => Operation {
            summary: "Update a contact",
            description: "Changes the fields given; an empty string clears an optional field; `custom_fields`, when given, replaces them all.",
            parameters: vec![id_param("The contact's id (a visitor id).")],
            body: Some(schemas.body::<ContactPatch>()),
            ok: (200, "The contact as it now stands.", schemas.answer::<ContactDetail>()),
            csv: false,
            errors: &[400, 401, 403, 404, 413],
        },
        ("get", "/api/v1/offline-messages") => Operation {
            summary: "List offline messages",
            description: "Messages visitors left while nobody was there, of every department, newest first (at most 500).",
            parameters: vec![],
            body: None,
            ok: (200, "The messages.", json!({ "type": "array", "items": schemas.answer::<OfflineMessage>() })),
            csv: false,
            errors: &[400, 401, 403],
        },
        ("get", "/api/v1/reports") => Operation {
            summary: "Read a report",
            description: "A period's figures: chats, answered, missed and abandoned chats, queue time, first response time, average response time, chat duration and ratings, for the whole period, per hour of the day, per day, per agent and per department. With `format=csv` and `table`, one table as a CSV file.",
            parameters: vec![
                query("from", "Start of the period, inclusive (ms since the Unix epoch; default: 7 days before `to`; a period covers at most 366 days).", int(0)),
                query("to", "End of the period, exclusive (ms since the Unix epoch; default: now).", int(0)),
                query("department", "Only this department's chats (its id).", json!({ "type": "string" })),
                query("agent", "Only the chats this agent took (their id).", json!({ "type": "string" })),
                query("tz", "The time zone for hours and days, as minutes east of UTC (default 0).", json!({ "type": "integer", "minimum": -840, "maximum": 840 })),
                query("format", "`json` (default) or `csv`.", json!({ "type": "string", "enum": ["json", "csv"] })),
                query("table", "With `format=csv`: the table.", json!({ "type": "string", "enum": ["by_agent", "by_department", "by_day", "by_hour"] })),
            ],
            body: None,
            ok: (200, "The report, or one of its tables as CSV.", schemas.answer::<shared::admin::Report>()),
            csv: true,
            errors: &[400, 401, 403],
        },
        _ => bail!("no description of {method} {path}: add it to tests/src/openapi.rs"),
    })
}

/// The whole document.
pub fn document() -> Result<Value> {
    let mut schemas = Schemas::new();
    let error = schemas.answer::<shared::api::ApiError>();
    let mut paths = Map::new();
    for (method, path, scope) in ROUTES {
        let op = operation(&mut schemas, method, path)?;
        let mut responses = Map::new();
        let mut content = json_content(op.ok.2);
        if op.csv {
            content["text/csv"] = json!({ "schema": { "type": "string" } });
        }
        responses.insert(
            op.ok.0.to_string(),
            json!({ "description": op.ok.1, "content": content }),
        );
        for status in op.errors {
            responses.insert(
                status.to_string(),
                json!({ "description": error_text(*status), "content": json_content(error.clone()) }),
            );
        }
        responses.insert(
            "default".into(),
            json!({ "description": "Any other error (`internal`, 500: retry).", "content": json_content(error.clone()) }),
        );
        let mut o = json!({
            "operationId": format!("{method}_{}", path.trim_start_matches("/api/v1/").replace(['/', '.', '{', '}', '-'], "_").trim_end_matches('_')),
            "summary": op.summary,
            "description": match scope {
                Some(s) => format!("{} Scope: `{}`.", op.description, scope_name(*s)),
                None => op.description.to_owned(),
            },
            "parameters": op.parameters,
            "responses": responses,
        });
        match scope {
            Some(s) => o["security"] = json!([{ "apiToken": [scope_name(*s)] }]),
            None => o["security"] = json!([]),
        }
        if let Some(body) = op.body {
            o["requestBody"] = json!({ "required": true, "content": json_content(body) });
        }
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[*method] = o;
    }
    Ok(json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Live chat HTTP API",
            "version": "1",
            "description": "The HTTP API a site's own systems call with an API token (made under Administration → \"API tokens\", with its scopes). Every request is checked for the token's scope; a token reaches only its own workspace (anything else answers 404). Errors answer `ApiError`: `{\"error\": {\"code\", \"message\"}}`."
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "servers": [{ "url": "/" }],
        "security": [{ "apiToken": [] }],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "apiToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "lct_<workspace>_<hex>",
                    "description": "An API token of the workspace: `Authorization: Bearer lct_…`. Scopes: conversations_read, conversations_write, contacts_read, contacts_write, offline_read, reports_read."
                }
            },
            "schemas": schemas.components(),
        }
    }))
}

/// The document as the committed file holds it.
pub fn text() -> Result<String> {
    Ok(serde_json::to_string_pretty(&document()?)? + "\n")
}

/// The schema of an answer, as a root schema whose `#/components/...`
/// references resolve: for `status`, else the operation's `default`.
pub fn response_schema(doc: &Value, method: &str, path: &str, status: u16) -> Result<Value> {
    let responses = &doc["paths"][path][method]["responses"];
    if responses.is_null() {
        bail!("the document has no {method} {path}");
    }
    let response = responses
        .get(status.to_string())
        .or_else(|| responses.get("default"))
        .ok_or_else(|| anyhow!("{method} {path} documents no {status}"))?;
    let mut schema = response["content"]["application/json"]["schema"].clone();
    let Some(map) = schema.as_object_mut() else {
        bail!("{method} {path} {status} has no JSON schema");
    };
    map.insert("components".into(), doc["components"].clone());
    Ok(schema)
}

/// Every `$ref` in `value`.
fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

/// The document's structure as OpenAPI 3.1 asks: its version, `info`,
/// `paths` with operations that each answer something, every `$ref`
/// resolving inside it, every schema a valid JSON Schema 2020-12, and
/// exactly the routes given.
pub fn check_document(doc: &Value, routes: &[(&str, &str)]) -> Result<()> {
    let version = doc["openapi"].as_str().unwrap_or_default();
    if !version.starts_with("3.1.") {
        bail!("openapi is {version:?}, not 3.1.x");
    }
    if !doc["info"]["title"].is_string() || !doc["info"]["version"].is_string() {
        bail!("info needs a title and a version");
    }
    let paths = doc["paths"]
        .as_object()
        .ok_or_else(|| anyhow!("no paths"))?;
    let mut documented = Vec::new();
    for (path, item) in paths {
        if !path.starts_with('/') {
            bail!("path {path} does not start with /");
        }
        for (method, op) in item.as_object().into_iter().flatten() {
            if !["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                bail!("{path}: unexpected key {method}");
            }
            let responses = op["responses"]
                .as_object()
                .filter(|r| !r.is_empty())
                .ok_or_else(|| anyhow!("{method} {path} answers nothing"))?;
            for (status, r) in responses {
                if status != "default" && status.parse::<u16>().is_err() {
                    bail!("{method} {path}: response key {status}");
                }
                if !r["description"].is_string() {
                    bail!("{method} {path} {status} has no description");
                }
            }
            for p in op["parameters"].as_array().into_iter().flatten() {
                let place = p["in"].as_str().unwrap_or_default();
                if !["query", "path", "header", "cookie"].contains(&place) {
                    bail!("{method} {path}: parameter in {place:?}");
                }
                if place == "path" {
                    let name = p["name"].as_str().unwrap_or_default();
                    if !path.contains(&format!("{{{name}}}")) || p["required"] != true {
                        bail!("{method} {path}: path parameter {name}");
                    }
                }
            }
            for s in op["security"].as_array().into_iter().flatten() {
                for scheme in s.as_object().into_iter().flatten().map(|(k, _)| k) {
                    if doc["components"]["securitySchemes"][scheme].is_null() {
                        bail!("{method} {path}: unknown security scheme {scheme}");
                    }
                }
            }
            documented.push((method.clone(), path.clone()));
        }
    }
    let mut all = Vec::new();
    refs(doc, &mut all);
    for r in all {
        let pointer = r
            .strip_prefix('#')
            .ok_or_else(|| anyhow!("$ref {r} is not inside the document"))?;
        if doc.pointer(pointer).is_none() {
            bail!("$ref {r} does not resolve");
        }
    }
    for (name, schema) in doc["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
    {
        let mut root = schema.clone();
        if let Some(map) = root.as_object_mut() {
            map.insert("components".into(), doc["components"].clone());
        }
        jsonschema::draft202012::new(&root)
            .map_err(|e| anyhow!("components.schemas.{name} is not JSON Schema 2020-12: {e}"))?;
    }
    let mut expected: Vec<(String, String)> = routes
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    expected.sort();
    documented.sort();
    if documented != expected {
        bail!("the document's routes {documented:?} are not the API's {expected:?}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed document is what the generator makes now: after a
    /// change to a route or a body, run `cargo run -p tests --bin openapi`.
    #[test]
    fn committed_document_is_current() {
        let committed = std::fs::read_to_string(crate::root().join(PATH)).unwrap_or_default();
        let made = text().expect("the document is made");
        assert!(
            committed == made,
            "{PATH} is not what the generator makes: run `cargo run -p tests --bin openapi`"
        );
    }

    #[test]
    fn document_is_openapi_3_1() {
        let doc = document().expect("the document is made");
        let routes: Vec<(&str, &str)> = ROUTES.iter().map(|(m, p, _)| (*m, *p)).collect();
        check_document(&doc, &routes).expect("a valid document");
        // A route missing from the document is caught.
        let mut more = routes.clone();
        more.push(("get", "/api/v1/elsewhere"));
        assert!(check_document(&doc, &more).is_err());
        // So is a reference that leads nowhere.
        let mut broken = doc.clone();
        broken["paths"]["/api/v1/contacts"]["get"]["responses"]["200"]["content"]
            ["application/json"]["schema"] = json!({ "$ref": "#/components/schemas/Nothing" });
        assert!(check_document(&broken, &routes).is_err());
    }

    #[test]
    fn answers_validate_against_their_schemas() {
        let doc = document().expect("the document is made");
        let schema = response_schema(&doc, "get", "/api/v1/offline-messages", 200).unwrap();
        let v = jsonschema::draft202012::new(&schema).unwrap();
        let good = json!([{ "id": "o1", "department": "d", "name": "A", "email": "a@b.c", "message": "hi", "created_at": 1 }]);
        assert!(v.is_valid(&good));
        assert!(!v.is_valid(&json!([{ "id": "o1" }])));
        let error = response_schema(&doc, "get", "/api/v1/contacts", 401).unwrap();
        let v = jsonschema::draft202012::new(&error).unwrap();
        assert!(v.is_valid(&json!({ "error": { "code": "unauthorized", "message": "no" } })));
        assert!(!v.is_valid(&json!({ "error": "no" })));
    }
}
