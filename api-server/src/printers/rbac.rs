//! Tables of RBAC bindings: the role they grant and, with `-o wide`, whom.
//! Roles and cluster roles have no printer upstream: they get the default
//! table.
//!
//! Counterpart of k8s.io/kubernetes `pkg/printers/internalversion/printers.go`
//! (printRoleBinding, printClusterRoleBinding) and `pkg/apis/rbac/helpers.go`
//! (SubjectsStrings).

use jiff::Timestamp;
use k8s_openapi::api::rbac::v1::RoleBinding;
use serde_json::Value;

use super::{Column, Doc, Printer, Row, age, field, items, name, text};

/// Role and cluster role bindings show the same columns.
const BINDING_COLUMNS: &[Column] = &[
    Column::NAME,
    Column::string("Role", field::<RoleBinding>("roleRef")),
    Column::AGE,
    Column::string("Users", Doc::Text("Users the binding grants the role to.")).wide(),
    Column::string(
        "Groups",
        Doc::Text("Groups the binding grants the role to."),
    )
    .wide(),
    Column::string(
        "ServiceAccounts",
        Doc::Text("Service accounts the binding grants the role to."),
    )
    .wide(),
];

pub static ROLE_BINDINGS: Printer = Printer::new(BINDING_COLUMNS, binding_row);

pub static CLUSTER_ROLE_BINDINGS: Printer = Printer::new(BINDING_COLUMNS, binding_row);

fn binding_row(binding: &Value, now: Timestamp) -> Row {
    let role = &binding["roleRef"];
    let subjects = items(&binding["subjects"]);
    let of_kind = |kind: &str| -> Value {
        subjects
            .iter()
            .filter(|s| s["kind"] == kind)
            .map(|s| match kind {
                "ServiceAccount" => format!("{}/{}", text(&s["namespace"]), text(&s["name"])),
                _ => text(&s["name"]).to_owned(),
            })
            .collect::<Vec<_>>()
            .join(", ")
            .into()
    };
    vec![
        name(binding),
        format!("{}/{}", text(&role["kind"]), text(&role["name"])).into(),
        age(binding, now),
        of_kind("User"),
        of_kind("Group"),
        of_kind("ServiceAccount"),
    ]
    .into()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn bindings_show_the_role_and_subjects_by_kind() {
        let binding = json!({"metadata": {"name": "b"},
            "roleRef": {"kind": "ClusterRole", "name": "view"},
            "subjects": [{"kind": "User", "name": "alice"}, {"kind": "User", "name": "bob"},
                {"kind": "ServiceAccount", "namespace": "ns", "name": "sa"}]});
        let cells = binding_row(&binding, Timestamp::now()).cells;
        assert_eq!(cells[1], "ClusterRole/view");
        assert_eq!(cells[3..], [json!("alice, bob"), json!(""), json!("ns/sa")]);
    }
}
