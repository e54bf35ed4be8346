//! The served OpenAPI document read back as a routing table, so that two rules hold for every
//! documented route without each handler repeating them:
//!
//! - a 405 carries `Allow` with exactly the methods the document gives the route (RFC 9110
//!   §15.5.6), found by the same precedence as the router (a literal segment beats a parameter);
//! - a JSON body is checked against the operation's request schema before poem-openapi parses
//!   it: a field of the wrong JSON type is a 422 on that field (poem-openapi would refuse the
//!   whole body with a 400), the original's lenient forms (`"1"`, `0`, `"true"` for a boolean, an
//!   integral string for an integer, a number for a string) are rewritten to the documented type,
//!   and the fields the endpoint does not know are ignored, as the original does, but named in a
//!   `Warning` header.

use std::collections::BTreeMap;

use flexiapi_domain::validation::{Rule, ValidationErrors};
use poem::http::Method;
use serde_json::{Map, Value};

/// The `description` of a request body read by hand (`LooseJson`): its handler reports type
/// mistakes itself, with every other broken rule, so the check here only names ignored fields.
pub const LOOSE_BODY: &str = "Type mistakes are answered 422 with every other broken rule.";

/// Fields of a JSON body that no schema knows: sent back in this header.
pub const IGNORED_FIELDS_HEADER: &str = "warning";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param,
}

#[derive(Debug, Clone)]
struct Operation {
    /// The JSON request body's schema, if the operation takes one.
    body: Option<Value>,
    loose: bool,
}

#[derive(Debug, Clone)]
struct RoutePath {
    segments: Vec<Segment>,
    methods: BTreeMap<String, Operation>,
}

/// What the document says about the request's path.
#[derive(Debug, Default, Clone)]
pub struct RouteTable {
    paths: Vec<RoutePath>,
    schemas: Map<String, Value>,
}

/// What checking a body found.
#[derive(Debug, Default)]
pub struct BodyCheck {
    /// Type mistakes, field by field (empty when the body fits).
    pub errors: ValidationErrors,
    /// Fields no schema knows, as dotted paths.
    pub ignored: Vec<String>,
    /// The body rewritten to the documented types, when a lenient form was sent.
    pub rewritten: Option<Vec<u8>>,
}

impl RouteTable {
    /// The table of `document` (the JSON of [`crate::openapi_json`]), whose paths are served
    /// as written (the document's server is `/`).
    pub fn new(document: &str) -> Self {
        let doc: Value = serde_json::from_str(document).unwrap_or_default();
        let schemas = doc["components"]["schemas"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let paths = doc["paths"]
            .as_object()
            .map(|paths| {
                paths
                    .iter()
                    .map(|(path, item)| RoutePath {
                        segments: path
                            .split('/')
                            .map(|s| {
                                if s.starts_with('{') {
                                    Segment::Param
                                } else {
                                    Segment::Literal(s.to_owned())
                                }
                            })
                            .collect(),
                        methods: item
                            .as_object()
                            .map(|ops| {
                                ops.iter()
                                    .filter(|(m, _)| {
                                        !matches!(m.as_str(), "servers" | "parameters")
                                    })
                                    .map(|(m, op)| (m.to_ascii_uppercase(), operation(op)))
                                    .collect()
                            })
                            .unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self { paths, schemas }
    }

    /// The documented path `path` reaches: literal segments win over parameters, from the left,
    /// as in poem's router.
    fn route(&self, path: &str) -> Option<&RoutePath> {
        let segments: Vec<&str> = path.split('/').collect();
        self.paths
            .iter()
            .filter(|r| {
                r.segments.len() == segments.len()
                    && r.segments.iter().zip(&segments).all(|(t, s)| match t {
                        Segment::Literal(l) => l == s,
                        Segment::Param => !s.is_empty(),
                    })
            })
            .max_by_key(|r| {
                r.segments
                    .iter()
                    .map(|s| matches!(s, Segment::Literal(_)))
                    .collect::<Vec<_>>()
            })
    }

    /// `Allow` for `path`: its documented methods, comma separated; `None` for a path the
    /// document does not have.
    pub fn allow(&self, path: &str) -> Option<String> {
        let route = self.route(path)?;
        Some(
            route
                .methods
                .keys()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", "),
        )
    }

    /// Checks a JSON `body` sent with `method` to `path` against the documented schema; `None`
    /// when the operation documents no JSON body (nothing to say).
    pub fn check_body(&self, method: &Method, path: &str, body: &[u8]) -> Option<BodyCheck> {
        let route = self.route(path)?;
        let op = route.methods.get(method.as_str())?;
        let schema = op.body.as_ref()?;
        let mut value: Value = serde_json::from_slice(body).ok()?;
        let original = value.clone();
        let mut check = BodyCheck::default();
        let mut walker = Walker {
            schemas: &self.schemas,
            check: &mut check,
        };
        walker.walk(&mut value, schema, "");
        if op.loose {
            // Its handler reads the body loosely and reports the mistakes itself.
            check.errors = ValidationErrors::new();
        } else if value != original {
            check.rewritten = serde_json::to_vec(&value).ok();
        }
        Some(check)
    }
}

fn operation(op: &Value) -> Operation {
    let body = &op["requestBody"];
    let json = body["content"].as_object().and_then(|content| {
        content
            .iter()
            .find(|(media, _)| media.starts_with("application/json"))
            .map(|(_, media)| media["schema"].clone())
    });
    Operation {
        body: json,
        loose: body["description"].as_str() == Some(LOOSE_BODY),
    }
}

struct Walker<'a> {
    schemas: &'a Map<String, Value>,
    check: &'a mut BodyCheck,
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

impl Walker<'_> {
    /// The schema `schema` stands for: references and `allOf` wrappers resolved.
    fn resolve<'s>(&'s self, schema: &'s Value) -> &'s Value {
        if let Some(name) = schema["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        {
            return self.schemas.get(name).map_or(schema, |s| self.resolve(s));
        }
        if let Some(first) = schema["allOf"].as_array().and_then(|a| a.first()) {
            return self.resolve(first);
        }
        schema
    }

    /// Checks `value` (the field `field`) against `schema`, rewriting lenient forms in place.
    fn walk(&mut self, value: &mut Value, schema: &Value, field: &str) {
        let schema = self.resolve(schema).clone();
        if value.is_null() {
            // Absent and null are the same to an optional field (poem-openapi's `Option`); a
            // required one is checked by its parent.
            return;
        }
        let fail = |check: &mut BodyCheck, rule: Rule| {
            let name = if field.is_empty() { "body" } else { field };
            check.errors.add(name, rule);
        };
        match schema["type"].as_str() {
            Some("object") => {
                let Value::Object(map) = value else {
                    return fail(self.check, Rule::Object);
                };
                let properties = schema["properties"].as_object();
                let extra = schema["additionalProperties"]
                    .as_object()
                    .map(|_| &schema["additionalProperties"]);
                for (key, item) in map.iter_mut() {
                    let name = join(field, key);
                    match (properties.and_then(|p| p.get(key)), extra) {
                        (Some(s), _) | (None, Some(s)) => self.walk(item, s, &name),
                        (None, None) if properties.is_some() => {
                            self.check.ignored.push(name);
                        }
                        (None, None) => {}
                    }
                }
                if let Some(required) = schema["required"].as_array() {
                    for key in required.iter().filter_map(Value::as_str) {
                        if map.get(key).is_none_or(Value::is_null) {
                            self.check.errors.add(join(field, key), Rule::Required);
                        }
                    }
                }
            }
            Some("array") => {
                let Value::Array(items) = value else {
                    return fail(self.check, Rule::Array);
                };
                for (i, item) in items.iter_mut().enumerate() {
                    self.walk(item, &schema["items"], &join(field, &i.to_string()));
                }
            }
            Some("boolean") => {
                let as_bool = match &*value {
                    Value::Bool(b) => Some(*b),
                    Value::Number(n) => match n.as_i64() {
                        Some(1) => Some(true),
                        Some(0) => Some(false),
                        _ => None,
                    },
                    Value::String(s) => match s.as_str() {
                        "true" | "1" => Some(true),
                        "false" | "0" => Some(false),
                        _ => None,
                    },
                    _ => None,
                };
                match as_bool {
                    Some(b) => *value = Value::Bool(b),
                    None => fail(self.check, Rule::Boolean),
                }
            }
            Some("integer") => {
                let as_int = match &*value {
                    Value::Number(n) => n.as_i64(),
                    Value::String(s) => s.trim().parse::<i64>().ok(),
                    _ => None,
                };
                match as_int {
                    Some(n)
                        if n < 0
                            && schema["format"]
                                .as_str()
                                .is_some_and(|f| f.starts_with('u')) =>
                    {
                        fail(self.check, Rule::IntegerMin(0));
                    }
                    Some(n) => *value = Value::from(n),
                    None => fail(self.check, Rule::Integer),
                }
            }
            Some("number") => {
                let as_number = match &*value {
                    Value::Number(_) => return,
                    Value::String(s) => s.trim().parse::<f64>().ok(),
                    _ => None,
                };
                match as_number.and_then(serde_json::Number::from_f64) {
                    Some(n) => *value = Value::Number(n),
                    None => fail(self.check, Rule::Integer),
                }
            }
            Some("string") => {
                if let Value::Number(n) = &*value {
                    *value = Value::String(n.to_string());
                }
                match &*value {
                    Value::String(s) => {
                        if let Some(allowed) = schema["enum"].as_array()
                            && !allowed.iter().any(|a| a.as_str() == Some(s))
                        {
                            fail(
                                self.check,
                                Rule::OneOf(
                                    allowed
                                        .iter()
                                        .filter_map(|a| a.as_str().map(str::to_owned))
                                        .collect(),
                                ),
                            );
                        }
                    }
                    _ => fail(self.check, Rule::Text),
                }
            }
            // Untyped (any JSON): the handler reads it.
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> RouteTable {
        let doc = serde_json::json!({
            "paths": {
                "/api/accounts/{id}": {
                    "get": {},
                    "put": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Update"}}}}},
                    "delete": {}
                },
                "/api/accounts/me": {"get": {}, "delete": {}},
                "/api/spaces": {"post": {"requestBody": {"description": LOOSE_BODY, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Update"}}}}}}
            },
            "components": {"schemas": {"Update": {
                "type": "object",
                "required": ["username"],
                "properties": {
                    "username": {"type": "string"},
                    "activated": {"type": "boolean", "nullable": true},
                    "count": {"type": "integer", "format": "uint64"},
                    "dictionary": {"type": "object", "nullable": true, "additionalProperties": {"type": "string"}},
                    "nested": {"allOf": [{"$ref": "#/components/schemas/Nested"}, {"nullable": true}], "nullable": true}
                }
            }, "Nested": {"type": "object", "properties": {"flag": {"type": "boolean"}}}}}
        });
        RouteTable::new(&doc.to_string())
    }

    fn fields(check: &BodyCheck) -> Vec<String> {
        check.errors.0.iter().map(|e| e.field.clone()).collect()
    }

    #[test]
    fn literal_segments_win_over_parameters() {
        let t = table();
        assert_eq!(t.allow("/api/accounts/me").as_deref(), Some("DELETE, GET"));
        assert_eq!(
            t.allow("/api/accounts/7").as_deref(),
            Some("DELETE, GET, PUT")
        );
        assert_eq!(t.allow("/api/nothing"), None);
    }

    #[test]
    fn type_mistakes_are_field_errors_and_unknown_fields_are_named() {
        let t = table();
        let put = |body: Value| {
            t.check_body(&Method::PUT, "/api/accounts/7", body.to_string().as_bytes())
                .unwrap()
        };
        let c = put(serde_json::json!({
            "username": "a", "activated": "yes", "dictionary": {"a": {"b": 1}}, "count": -1,
            "nested": {"flag": [], "x": 1}, "color": "red"
        }));
        assert_eq!(
            fields(&c),
            ["activated", "count", "dictionary.a", "nested.flag"]
        );
        assert_eq!(c.ignored, ["color", "nested.x"]);
        let c = put(serde_json::json!({"username": "a", "dictionary": "x"}));
        assert_eq!(fields(&c), ["dictionary"]);
        let c = put(serde_json::json!({"activated": true}));
        assert_eq!(fields(&c), ["username"]);
        let c = put(serde_json::json!([1]));
        assert_eq!(fields(&c), ["body"]);
    }

    #[test]
    fn lenient_forms_are_rewritten_to_the_documented_types() {
        let t = table();
        let c = t
            .check_body(
                &Method::PUT,
                "/api/accounts/7",
                br#"{"username": 12, "activated": "1", "count": "3"}"#,
            )
            .unwrap();
        assert!(c.errors.is_empty());
        let rewritten: Value = serde_json::from_slice(&c.rewritten.unwrap()).unwrap();
        assert_eq!(
            rewritten,
            serde_json::json!({"username": "12", "activated": true, "count": 3})
        );
    }

    #[test]
    fn loose_bodies_only_get_their_ignored_fields_named() {
        let c = table()
            .check_body(
                &Method::POST,
                "/api/spaces",
                br#"{"activated": "yes", "zz": 1}"#,
            )
            .unwrap();
        assert!(c.errors.is_empty());
        assert_eq!(c.ignored, ["zz"]);
        assert!(c.rewritten.is_none());
    }
}
