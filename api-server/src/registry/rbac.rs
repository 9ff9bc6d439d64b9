//! rbac.authorization.k8s.io: Roles, ClusterRoles, RoleBindings and
//! ClusterRoleBindings. Counterpart of k8s `pkg/registry/rbac/{role,
//! clusterrole,rolebinding,clusterrolebinding}/strategy.go`, defaulting from
//! `pkg/apis/rbac/v1/defaults.go` and validation from
//! `pkg/apis/rbac/validation/validation.go`.
//!
//! Each pair shares one strategy: [`RoleStrategy`] serves both kinds of
//! [`RoleKind`] and [`BindingStrategy`] both kinds of [`BindingKind`]; their
//! scope (namespaced or cluster-wide) makes the difference upstream makes.

use std::marker::PhantomData;

use apimachinery::selector::labels::{self, LabelSelectorValidationOptions, Selector};
use apimachinery::validation::{
    BadValue, ErrorList, FieldError, Path, VALIDATE_SERVICE_ACCOUNT_NAME, go_quote,
    is_valid_path_segment_name,
};
use k8s_openapi::api::rbac::v1::{
    AggregationRule, ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef,
    Subject,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::meta::NameRule;
use super::strategy::ApiObject;
use super::{ResourceInfo, Strategy};

/// The API group roles and bindings belong to, and the only one a binding's
/// `roleRef` and its user and group subjects may name.
pub const GROUP: &str = "rbac.authorization.k8s.io";

pub static ROLES: &ResourceInfo = &ResourceInfo {
    group: GROUP,
    version: "v1",
    resource: "roles",
    singular: "role",
    kind: "Role",
    namespaced: true,
    short_names: &[],
    categories: &[],
    has_status: false,
    has_scale: false,
    printer: &crate::printers::DEFAULT,
};

pub static CLUSTER_ROLES: &ResourceInfo = &ResourceInfo {
    group: GROUP,
    version: "v1",
    resource: "clusterroles",
    singular: "clusterrole",
    kind: "ClusterRole",
    namespaced: false,
    short_names: &[],
    categories: &[],
    has_status: false,
    has_scale: false,
    printer: &crate::printers::DEFAULT,
};

pub static ROLE_BINDINGS: &ResourceInfo = &ResourceInfo {
    group: GROUP,
    version: "v1",
    resource: "rolebindings",
    singular: "rolebinding",
    kind: "RoleBinding",
    namespaced: true,
    short_names: &[],
    categories: &[],
    has_status: false,
    has_scale: false,
    printer: &crate::printers::ROLE_BINDINGS,
};

pub static CLUSTER_ROLE_BINDINGS: &ResourceInfo = &ResourceInfo {
    group: GROUP,
    version: "v1",
    resource: "clusterrolebindings",
    singular: "clusterrolebinding",
    kind: "ClusterRoleBinding",
    namespaced: false,
    short_names: &[],
    categories: &[],
    has_status: false,
    has_scale: false,
    printer: &crate::printers::CLUSTER_ROLE_BINDINGS,
};

const SERVICE_ACCOUNT_KIND: &str = "ServiceAccount";
const USER_KIND: &str = "User";
const GROUP_KIND: &str = "Group";

/// Role and ClusterRole: a list of policy rules.
pub trait RoleKind: ApiObject {
    const INFO: &'static ResourceInfo;

    fn rules(&self) -> &[PolicyRule];

    /// The rule that makes a cluster role the union of others.
    fn aggregation_rule(&self) -> Option<&AggregationRule> {
        None
    }
}

impl RoleKind for Role {
    const INFO: &'static ResourceInfo = ROLES;

    fn rules(&self) -> &[PolicyRule] {
        self.rules.as_deref().unwrap_or_default()
    }
}

impl RoleKind for ClusterRole {
    const INFO: &'static ResourceInfo = CLUSTER_ROLES;

    fn rules(&self) -> &[PolicyRule] {
        self.rules.as_deref().unwrap_or_default()
    }

    fn aggregation_rule(&self) -> Option<&AggregationRule> {
        self.aggregation_rule.as_ref()
    }
}

/// RoleBinding and ClusterRoleBinding: a role granted to subjects.
pub trait BindingKind: ApiObject {
    const INFO: &'static ResourceInfo;
    /// The kinds `roleRef` may name.
    const ROLE_KINDS: &'static [&'static str];

    fn role_ref(&self) -> &RoleRef;
    fn role_ref_mut(&mut self) -> &mut RoleRef;
    fn subjects_mut(&mut self) -> &mut Option<Vec<Subject>>;
    fn subjects(&self) -> &[Subject];
}

/// Implements [`BindingKind`] for a binding type, whose fields are the same.
macro_rules! binding_kind {
    ($kind:ty, $info:expr, $role_kinds:expr) => {
        impl BindingKind for $kind {
            const INFO: &'static ResourceInfo = $info;
            const ROLE_KINDS: &'static [&'static str] = $role_kinds;

            fn role_ref(&self) -> &RoleRef {
                &self.role_ref
            }

            fn role_ref_mut(&mut self) -> &mut RoleRef {
                &mut self.role_ref
            }

            fn subjects_mut(&mut self) -> &mut Option<Vec<Subject>> {
                &mut self.subjects
            }

            fn subjects(&self) -> &[Subject] {
                self.subjects.as_deref().unwrap_or_default()
            }
        }
    };
}

binding_kind!(RoleBinding, ROLE_BINDINGS, &["Role", "ClusterRole"]);
binding_kind!(ClusterRoleBinding, CLUSTER_ROLE_BINDINGS, &["ClusterRole"]);

/// The strategy of Roles and ClusterRoles.
#[derive(Clone, Default)]
pub struct RoleStrategy<T>(PhantomData<fn() -> T>);

/// The strategy of RoleBindings and ClusterRoleBindings.
#[derive(Clone, Default)]
pub struct BindingStrategy<T>(PhantomData<fn() -> T>);

// k8s: pkg/registry/rbac/role/strategy.go, pkg/registry/rbac/clusterrole/strategy.go
impl<T: RoleKind> Strategy for RoleStrategy<T> {
    type Object = T;

    fn info(&self) -> &'static ResourceInfo {
        T::INFO
    }

    fn name_rule(&self) -> NameRule {
        NameRule::Rbac
    }

    // k8s: pkg/apis/rbac/validation/validation.go (ValidateRole, ValidateClusterRole)
    fn validate(&self, role: &T) -> ErrorList {
        validate_role(role, LabelSelectorValidationOptions::default())
    }

    /// Aggregation selectors stored before label values were checked may
    /// stay as they are.
    // k8s: pkg/registry/rbac/clusterrole/strategy.go (ValidateUpdate, hasInvalidLabelValueInLabelSelector)
    fn validate_update(&self, new: &T, old: &T) -> ErrorList {
        let strict = LabelSelectorValidationOptions::default();
        let options = LabelSelectorValidationOptions {
            allow_invalid_label_value_in_selector: cluster_role_selectors(old).iter().any(|s| {
                !labels::LabelSelector::from(s)
                    .validate(strict, &Path::nil())
                    .is_empty()
            }),
            ..strict
        };
        validate_role(new, options)
    }

    fn allow_create_on_update(&self) -> bool {
        true
    }
}

// k8s: pkg/registry/rbac/rolebinding/strategy.go, pkg/registry/rbac/clusterrolebinding/strategy.go
impl<T: BindingKind> Strategy for BindingStrategy<T> {
    type Object = T;

    fn info(&self) -> &'static ResourceInfo {
        T::INFO
    }

    fn name_rule(&self) -> NameRule {
        NameRule::Rbac
    }

    // k8s: pkg/apis/rbac/v1/defaults.go (SetDefaults_RoleBinding, SetDefaults_ClusterRoleBinding, SetDefaults_Subject)
    fn apply_defaults(&self, binding: &mut T) {
        let role_ref = binding.role_ref_mut();
        if role_ref.api_group.is_empty() {
            role_ref.api_group = GROUP.into();
        }
        for subject in binding.subjects_mut().iter_mut().flatten() {
            if subject.api_group.as_deref().is_none_or(str::is_empty)
                && matches!(subject.kind.as_str(), USER_KIND | GROUP_KIND)
            {
                subject.api_group = Some(GROUP.into());
            }
        }
    }

    // k8s: pkg/apis/rbac/validation/validation.go (ValidateRoleBinding, ValidateClusterRoleBinding)
    fn validate(&self, binding: &T) -> ErrorList {
        let mut errs = ErrorList::new();
        let role_ref = binding.role_ref();
        let path = Path::new("roleRef");
        if role_ref.api_group != GROUP {
            errs.push(FieldError::not_supported(
                &path.child("apiGroup"),
                role_ref.api_group.as_str(),
                &[GROUP],
            ));
        }
        if !T::ROLE_KINDS.contains(&role_ref.kind.as_str()) {
            errs.push(FieldError::not_supported(
                &path.child("kind"),
                role_ref.kind.as_str(),
                T::ROLE_KINDS,
            ));
        }
        let name_path = path.child("name");
        if role_ref.name.is_empty() {
            errs.push(FieldError::required(&name_path, ""));
        } else {
            for message in is_valid_path_segment_name(&role_ref.name) {
                errs.push(FieldError::invalid(
                    &name_path,
                    role_ref.name.as_str(),
                    message,
                ));
            }
        }
        let subjects = Path::new("subjects");
        for (i, subject) in binding.subjects().iter().enumerate() {
            errs.append(validate_subject(
                subject,
                T::INFO.namespaced,
                &subjects.index(i),
            ));
        }
        errs
    }

    // k8s: pkg/apis/rbac/validation/validation.go (ValidateRoleBindingUpdate, ValidateClusterRoleBindingUpdate)
    fn validate_update(&self, new: &T, old: &T) -> ErrorList {
        let mut errs = self.validate(new);
        let role_ref = new.role_ref();
        if role_ref != old.role_ref() {
            errs.push(FieldError::invalid(
                &Path::new("roleRef"),
                BadValue::Raw(format!(
                    "rbac.RoleRef{{APIGroup:{}, Kind:{}, Name:{}}}",
                    go_quote(&role_ref.api_group),
                    go_quote(&role_ref.kind),
                    go_quote(&role_ref.name),
                )),
                "cannot change roleRef",
            ));
        }
        errs
    }

    fn allow_create_on_update(&self) -> bool {
        true
    }
}

/// The aggregation selectors of a cluster role; none for a role.
fn cluster_role_selectors<T: RoleKind>(role: &T) -> &[LabelSelector] {
    role.aggregation_rule()
        .and_then(|rule| rule.cluster_role_selectors.as_deref())
        .unwrap_or_default()
}

// k8s: pkg/apis/rbac/validation/validation.go (ValidateRole, ValidateClusterRole)
fn validate_role<T: RoleKind>(role: &T, options: LabelSelectorValidationOptions) -> ErrorList {
    let mut errs = ErrorList::new();
    let rules = Path::new("rules");
    for (i, rule) in role.rules().iter().enumerate() {
        errs.append(validate_policy_rule(
            rule,
            T::INFO.namespaced,
            &rules.index(i),
        ));
    }
    if role.aggregation_rule().is_some() {
        let path = Path::new("aggregationRule").child("clusterRoleSelectors");
        let selectors = cluster_role_selectors(role);
        if selectors.is_empty() {
            errs.push(FieldError::required(
                &path,
                "at least one clusterRoleSelector required if aggregationRule is non-nil",
            ));
        }
        for (i, selector) in selectors.iter().enumerate() {
            let item = path.index(i);
            let structured = labels::LabelSelector::from(selector);
            errs.append(structured.validate(options, &item));
            if Selector::from_label_selector(Some(&structured)).is_err() {
                // Upstream reports the selector that failed to convert: nil.
                errs.push(FieldError::invalid(
                    &item,
                    BadValue::Null,
                    "invalid label selector.",
                ));
            }
        }
    }
    errs
}

// k8s: pkg/apis/rbac/validation/validation.go (ValidatePolicyRule)
fn validate_policy_rule(rule: &PolicyRule, namespaced: bool, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    if rule.verbs.is_empty() {
        errs.push(FieldError::required(
            &path.child("verbs"),
            "verbs must contain at least one value",
        ));
    }
    let listed = |list: &Option<Vec<String>>| list.as_ref().is_some_and(|l| !l.is_empty());
    if let Some(urls) = rule.non_resource_urls.as_deref().filter(|u| !u.is_empty()) {
        let urls_path = path.child("nonResourceURLs");
        if namespaced {
            errs.push(FieldError::invalid(
                &urls_path,
                BadValue::string_list(urls),
                "namespaced rules cannot apply to non-resource URLs",
            ));
        }
        if listed(&rule.api_groups) || listed(&rule.resources) || listed(&rule.resource_names) {
            errs.push(FieldError::invalid(
                &urls_path,
                BadValue::string_list(urls),
                "rules cannot apply to both regular resources and non-resource URLs",
            ));
        }
        return errs;
    }
    if !listed(&rule.api_groups) {
        errs.push(FieldError::required(
            &path.child("apiGroups"),
            "resource rules must supply at least one api group",
        ));
    }
    if !listed(&rule.resources) {
        errs.push(FieldError::required(
            &path.child("resources"),
            "resource rules must supply at least one resource",
        ));
    }
    errs
}

// k8s: pkg/apis/rbac/validation/validation.go (ValidateRoleBindingSubject)
fn validate_subject(subject: &Subject, namespaced: bool, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let name_path = path.child("name");
    if subject.name.is_empty() {
        errs.push(FieldError::required(&name_path, ""));
    }
    let api_group = subject.api_group.as_deref().unwrap_or_default();
    let api_group_path = path.child("apiGroup");
    match subject.kind.as_str() {
        SERVICE_ACCOUNT_KIND => {
            if !subject.name.is_empty() {
                for message in VALIDATE_SERVICE_ACCOUNT_NAME(&subject.name, false) {
                    errs.push(FieldError::invalid(
                        &name_path,
                        subject.name.as_str(),
                        message,
                    ));
                }
            }
            if !api_group.is_empty() {
                errs.push(FieldError::not_supported(&api_group_path, api_group, &[""]));
            }
            if !namespaced && subject.namespace.as_deref().is_none_or(str::is_empty) {
                errs.push(FieldError::required(&path.child("namespace"), ""));
            }
        }
        USER_KIND | GROUP_KIND => {
            if api_group != GROUP {
                errs.push(FieldError::not_supported(
                    &api_group_path,
                    api_group,
                    &[GROUP],
                ));
            }
        }
        kind => errs.push(FieldError::not_supported(
            &path.child("kind"),
            kind,
            &[SERVICE_ACCOUNT_KIND, USER_KIND, GROUP_KIND],
        )),
    }
    errs
}

#[cfg(test)]
mod tests {
    use serde::de::DeserializeOwned;
    use serde_json::json;

    use super::*;
    use crate::registry::meta::validate_object_meta;

    fn object<T: DeserializeOwned>(body: serde_json::Value) -> T {
        serde_json::from_value(body).expect("object")
    }

    fn role(rules: serde_json::Value) -> Role {
        object(json!({"metadata": {"name": "r", "namespace": "ns"}, "rules": rules}))
    }

    fn cluster_role(body: serde_json::Value) -> ClusterRole {
        let mut role: ClusterRole = object(body);
        role.metadata.name = Some("r".into());
        role
    }

    fn errors<T: RoleKind + Default>(role: &T) -> String {
        RoleStrategy::<T>::default().validate(role).to_string()
    }

    #[test]
    fn rules_need_verbs_and_a_target() {
        assert!(
            errors(&role(json!([
                {"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]},
            ])))
            .is_empty()
        );
        assert_eq!(
            errors(&role(json!([{"verbs": []}]))),
            "[rules[0].verbs: Required value: verbs must contain at least one value, \
             rules[0].apiGroups: Required value: resource rules must supply at least one api group, \
             rules[0].resources: Required value: resource rules must supply at least one resource]"
        );
    }

    #[test]
    fn non_resource_urls_are_cluster_wide_and_alone() {
        let rules =
            json!([{"verbs": ["get"], "nonResourceURLs": ["/healthz"], "resources": ["pods"]}]);
        assert_eq!(
            errors(&role(rules.clone())),
            "[rules[0].nonResourceURLs: Invalid value: []string{\"/healthz\"}: namespaced rules cannot apply to non-resource URLs, \
             rules[0].nonResourceURLs: Invalid value: []string{\"/healthz\"}: rules cannot apply to both regular resources and non-resource URLs]"
        );
        assert_eq!(
            errors(&cluster_role(json!({"rules": rules}))),
            "rules[0].nonResourceURLs: Invalid value: []string{\"/healthz\"}: rules cannot apply to both regular resources and non-resource URLs"
        );
        assert!(
            errors(&cluster_role(
                json!({"rules": [{"verbs": ["get"], "nonResourceURLs": ["/healthz"]}]})
            ))
            .is_empty()
        );
    }

    #[test]
    fn aggregation_rules_need_valid_selectors() {
        assert_eq!(
            errors(&cluster_role(json!({"aggregationRule": {}}))),
            "aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil"
        );
        assert_eq!(
            errors(&cluster_role(
                json!({"aggregationRule": {"clusterRoleSelectors": [
                    {"matchExpressions": [{"key": "app", "operator": "Near"}]},
                ]}})
            )),
            "[aggregationRule.clusterRoleSelectors[0].matchExpressions[0].operator: Invalid value: \"Near\": not a valid selector operator, \
             aggregationRule.clusterRoleSelectors[0]: Invalid value: \"null\": invalid label selector.]"
        );
    }

    #[test]
    fn stored_invalid_aggregation_values_are_checked_leniently() {
        let stored = cluster_role(json!({"aggregationRule": {"clusterRoleSelectors": [
            {"matchExpressions": [{"key": "app", "operator": "In", "values": ["a b"]}]},
        ]}}));
        let strategy = RoleStrategy::<ClusterRole>::default();
        let unparsable = "aggregationRule.clusterRoleSelectors[0]: Invalid value: \"null\": invalid label selector.";
        let strict = strategy.validate(&stored).to_string();
        assert!(
            strict.starts_with(
                "[aggregationRule.clusterRoleSelectors[0].matchExpressions[0].values[0]: Invalid value: \"a b\": a valid label must be"
            ) && strict.ends_with(&format!("{unparsable}]")),
            "{strict}"
        );
        // The value passes the lenient check but still cannot be parsed.
        assert_eq!(
            strategy.validate_update(&stored, &stored).to_string(),
            unparsable
        );
    }

    fn binding<T: BindingKind + Default>(body: serde_json::Value) -> T {
        let mut binding: T = object(body);
        BindingStrategy::<T>::default().apply_defaults(&mut binding);
        binding
    }

    fn binding_errors<T: BindingKind + Default>(binding: &T) -> String {
        BindingStrategy::<T>::default()
            .validate(binding)
            .to_string()
    }

    #[test]
    fn bindings_default_their_api_groups() {
        let binding: RoleBinding = binding(json!({
            "roleRef": {"kind": "Role", "name": "r"},
            "subjects": [
                {"kind": "User", "name": "jane"},
                {"kind": "Group", "name": "devs"},
                {"kind": "ServiceAccount", "name": "sa"},
            ],
        }));
        assert_eq!(binding.role_ref.api_group, GROUP);
        let groups: Vec<_> = binding
            .subjects()
            .iter()
            .map(|s| s.api_group.as_deref())
            .collect();
        assert_eq!(groups, [Some(GROUP), Some(GROUP), None]);
        assert!(binding_errors(&binding).is_empty());
    }

    #[test]
    fn role_refs_name_an_rbac_role() {
        let bad: RoleBinding =
            binding(json!({"roleRef": {"apiGroup": "apps", "kind": "Deployment", "name": ""}}));
        assert_eq!(
            binding_errors(&bad),
            "[roleRef.apiGroup: Unsupported value: \"apps\": supported values: \"rbac.authorization.k8s.io\", \
             roleRef.kind: Unsupported value: \"Deployment\": supported values: \"Role\", \"ClusterRole\", \
             roleRef.name: Required value]"
        );
        let cluster: ClusterRoleBinding =
            binding(json!({"roleRef": {"kind": "Role", "name": "a/b"}}));
        assert_eq!(
            binding_errors(&cluster),
            "[roleRef.kind: Unsupported value: \"Role\": supported values: \"ClusterRole\", \
             roleRef.name: Invalid value: \"a/b\": may not contain '/']"
        );
    }

    #[test]
    fn subjects_follow_their_kind() {
        let subjects = json!([
            {"kind": "ServiceAccount", "name": "Bad_Name", "apiGroup": "v1"},
            {"kind": "User", "name": "", "apiGroup": "users.example.com"},
            {"kind": "Robot", "name": "r2"},
        ]);
        let namespaced: RoleBinding = binding(json!({
            "roleRef": {"kind": "ClusterRole", "name": "view"}, "subjects": subjects,
        }));
        assert_eq!(
            binding_errors(&namespaced),
            "[subjects[0].name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'), \
             subjects[0].apiGroup: Unsupported value: \"v1\": supported values: \"\", \
             subjects[1].name: Required value, \
             subjects[1].apiGroup: Unsupported value: \"users.example.com\": supported values: \"rbac.authorization.k8s.io\", \
             subjects[2].kind: Unsupported value: \"Robot\": supported values: \"ServiceAccount\", \"User\", \"Group\"]"
        );
        let cluster: ClusterRoleBinding = binding(json!({
            "roleRef": {"kind": "ClusterRole", "name": "view"},
            "subjects": [{"kind": "ServiceAccount", "name": "sa"}],
        }));
        assert_eq!(
            binding_errors(&cluster),
            "subjects[0].namespace: Required value"
        );
    }

    #[test]
    fn role_refs_cannot_change() {
        let old: RoleBinding = binding(json!({"roleRef": {"kind": "Role", "name": "a"}}));
        let new: RoleBinding = binding(json!({"roleRef": {"kind": "ClusterRole", "name": "a"}}));
        assert_eq!(
            BindingStrategy::<RoleBinding>::default()
                .validate_update(&new, &old)
                .to_string(),
            "roleRef: Invalid value: rbac.RoleRef{APIGroup:\"rbac.authorization.k8s.io\", Kind:\"ClusterRole\", Name:\"a\"}: cannot change roleRef"
        );
    }

    #[test]
    fn names_are_path_segments_even_when_generated() {
        let meta = k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
            name: Some("system:node".into()),
            generate_name: Some("..".into()),
            ..Default::default()
        };
        assert_eq!(
            validate_object_meta(&meta, false, NameRule::Rbac).to_string(),
            "metadata.generateName: Invalid value: \"..\": may not be '..'"
        );
    }
}
