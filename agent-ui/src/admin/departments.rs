//! The Departments screen: add, rename and remove, each as the whole new
//! list that `PUT /api/v1/admin/settings/departments` takes. A new
//! department's id is made from its name.

use shared::api::DepartmentSetup;

/// An id for a department called `name`: lowercase ASCII letters and
/// digits, other characters as `-`, at most 64; `department` when nothing
/// is left.
pub fn slug(name: &str) -> String {
    let mut id = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c.to_ascii_lowercase());
        } else if !id.is_empty() && !id.ends_with('-') {
            id.push('-');
        }
    }
    let id = id.trim_end_matches('-');
    let id: String = id.chars().take(56).collect();
    if id.is_empty() {
        "department".into()
    } else {
        id
    }
}

fn check_name<'a>(
    list: &[DepartmentSetup],
    name: &'a str,
    except: Option<&str>,
) -> Result<&'a str, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("A department needs a name.".into());
    }
    if list
        .iter()
        .any(|d| Some(d.id.as_str()) != except && d.name.trim().eq_ignore_ascii_case(name))
    {
        return Err(format!("There is already a department called {name}."));
    }
    Ok(name)
}

/// The list with a department called `name` added at its end.
pub fn add(list: &[DepartmentSetup], name: &str) -> Result<Vec<DepartmentSetup>, String> {
    let name = check_name(list, name, None)?;
    let base = slug(name);
    let mut id = base.clone();
    let mut n = 2;
    while list.iter().any(|d| d.id == id) {
        id = format!("{base}-{n}");
        n += 1;
    }
    let mut out = list.to_vec();
    out.push(DepartmentSetup {
        id,
        name: name.to_string(),
        hours: Vec::new(),
        utc_offset_minutes: 0,
    });
    Ok(out)
}

/// The list with department `id` called `name` (its id, hours and sites
/// stay).
pub fn rename(
    list: &[DepartmentSetup],
    id: &str,
    name: &str,
) -> Result<Vec<DepartmentSetup>, String> {
    let name = check_name(list, name, Some(id))?;
    let mut out = list.to_vec();
    let d = out
        .iter_mut()
        .find(|d| d.id == id)
        .ok_or_else(|| "That department is gone; reload the list.".to_string())?;
    d.name = name.to_string();
    Ok(out)
}

/// The list without department `id`.
pub fn remove(list: &[DepartmentSetup], id: &str) -> Vec<DepartmentSetup> {
    list.iter().filter(|d| d.id != id).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dept(id: &str, name: &str) -> DepartmentSetup {
        DepartmentSetup {
            id: id.into(),
            name: name.into(),
            hours: vec![shared::api::OpeningHours {
                day: 1,
                open: "09:00".into(),
                close: "17:00".into(),
            }],
            utc_offset_minutes: 60,
        }
    }

    #[track_caller]
    fn check_slug(name: &str, expected: &str) {
        assert_eq!(slug(name), expected);
        assert!(shared::ids::is_valid_id(&slug(name)));
    }

    #[test]
    fn slugs() {
        check_slug("Support", "support");
        check_slug("  After-sales & Returns ", "after-sales-returns");
        check_slug("Ventas (España)", "ventas-espa-a");
        check_slug("日本", "department");
        check_slug(&"x".repeat(100), &"x".repeat(56));
    }

    #[test]
    fn adding_makes_a_unique_id() {
        let list = vec![dept("sales", "Sales")];
        let out = add(&list, " Sales team ").unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].id, "sales-team");
        assert_eq!(out[1].name, "Sales team");
        assert_eq!(out[0], list[0]);
        let list = vec![dept("sales", "Old sales")];
        assert_eq!(add(&list, "Sales!").unwrap()[1].id, "sales-2");
    }

    #[test]
    fn names_are_needed_and_distinct() {
        let list = vec![dept("sales", "Sales")];
        assert_eq!(add(&list, "  ").unwrap_err(), "A department needs a name.");
        assert_eq!(
            add(&list, "sales").unwrap_err(),
            "There is already a department called sales."
        );
        // Its own name, differently cased, is fine.
        assert_eq!(rename(&list, "sales", "SALES").unwrap()[0].name, "SALES");
    }

    #[test]
    fn renaming_keeps_the_rest() {
        let list = vec![dept("sales", "Sales"), dept("support", "Support")];
        let out = rename(&list, "support", "Help desk").unwrap();
        assert_eq!(out[1].id, "support");
        assert_eq!(out[1].name, "Help desk");
        assert_eq!(out[1].hours, list[1].hours);
        assert_eq!(out[1].utc_offset_minutes, 60);
        assert!(rename(&list, "gone", "X").is_err());
    }

    #[test]
    fn removing() {
        let list = vec![dept("sales", "Sales"), dept("support", "Support")];
        assert_eq!(remove(&list, "sales"), vec![list[1].clone()]);
        assert_eq!(remove(&list, "gone"), list);
    }
}
