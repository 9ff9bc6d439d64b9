//! Tables of the small groups: leases (coordination), priority classes
//! (scheduling), pod disruption budgets (policy) and endpoint slices
//! (discovery).
//!
//! Counterpart of k8s.io/kubernetes `pkg/printers/internalversion/printers.go`
//! (printLease, printPriorityClass, printPodDisruptionBudget,
//! printEndpointSlice, formatDiscoveryPorts, formatDiscoveryEndpoints).

use k8s_openapi::api::coordination::v1::LeaseSpec;
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::scheduling::v1::PriorityClass;
use serde_json::Value;

use super::{Column, Doc, Printer, age, field, int, items, name, text, with_more};

pub static LEASES: Printer = Printer::new(
    &[
        Column::NAME,
        Column::string("Holder", field::<LeaseSpec>("holderIdentity")),
        Column::AGE,
    ],
    |lease, now| {
        let holder = text(&lease["spec"]["holderIdentity"]);
        vec![name(lease), holder.into(), age(lease, now)].into()
    },
);

pub static PRIORITY_CLASSES: Printer = Printer::new(
    &[
        Column::NAME,
        Column::integer("Value", field::<PriorityClass>("value")),
        Column::boolean("Global-Default", field::<PriorityClass>("globalDefault")),
        Column::AGE,
        Column::string(
            "PreemptionPolicy",
            field::<PriorityClass>("preemptionPolicy"),
        )
        .wide(),
    ],
    |class, now| {
        vec![
            name(class),
            int(&class["value"]).into(),
            class["globalDefault"].as_bool().unwrap_or_default().into(),
            age(class, now),
            text(&class["preemptionPolicy"]).into(),
        ]
        .into()
    },
);

pub static POD_DISRUPTION_BUDGETS: Printer = Printer::new(
    &[
        Column::NAME,
        Column::string(
            "Min Available",
            Doc::Text("How many pods must stay available, `N/A` when unset."),
        ),
        Column::string(
            "Max Unavailable",
            Doc::Text("How many pods may be unavailable, `N/A` when unset."),
        ),
        Column::integer(
            "Allowed Disruptions",
            Doc::Text("How many pods may be disrupted now."),
        ),
        Column::AGE,
    ],
    |pdb, now| {
        let spec = &pdb["spec"];
        // An IntOrString: a number or a percentage.
        let bound = |key: &str| -> Value {
            match &spec[key] {
                Value::Null => "N/A".into(),
                Value::String(s) => s.as_str().into(),
                other => other.to_string().into(),
            }
        };
        vec![
            name(pdb),
            bound("minAvailable"),
            bound("maxUnavailable"),
            int(&pdb["status"]["disruptionsAllowed"]).into(),
            age(pdb, now),
        ]
        .into()
    },
);

pub static ENDPOINT_SLICES: Printer = Printer::new(
    &[
        Column::NAME,
        Column::string("AddressType", field::<EndpointSlice>("addressType")),
        Column::string("Ports", field::<EndpointSlice>("ports")),
        Column::string("Endpoints", field::<EndpointSlice>("endpoints")),
        Column::AGE,
    ],
    |slice, now| {
        let ports = items(&slice["ports"]);
        let port_names: Vec<String> = ports
            .iter()
            .take(3)
            .map(|p| match (&p["port"], p["name"].as_str()) {
                (Value::Number(port), _) => port.to_string(),
                (_, Some(name)) => name.to_owned(),
                _ => "*".to_owned(),
            })
            .collect();
        let addresses: Vec<&str> = items(&slice["endpoints"])
            .iter()
            .flat_map(|e| items(&e["addresses"]))
            .map(text)
            .collect();
        let shown = addresses.iter().take(3).map(|a| (*a).to_owned()).collect();
        vec![
            name(slice),
            slice["addressType"].clone(),
            with_more(port_names, ports.len(), "<unset>").into(),
            with_more(shown, addresses.len(), "<unset>").into(),
            age(slice, now),
        ]
        .into()
    },
);

#[cfg(test)]
mod tests {
    use jiff::Timestamp;
    use serde_json::json;

    use super::*;

    #[test]
    fn endpoint_slices_list_ports_and_addresses() {
        let slice = json!({"addressType": "IPv4", "ports": [{"port": 80}, {"name": "dns"}, {}],
            "endpoints": [{"addresses": ["10.0.0.1"]}, {"addresses": ["10.0.0.2", "10.0.0.3", "10.0.0.4"]}]});
        let cells = ENDPOINT_SLICES.row(&slice, Timestamp::now()).cells;
        assert_eq!(
            cells[1..4],
            [
                json!("IPv4"),
                json!("80,dns,*"),
                json!("10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...")
            ]
        );
        let empty = ENDPOINT_SLICES.row(&json!({}), Timestamp::now()).cells;
        assert_eq!(empty[2..4], [json!("<unset>"), json!("<unset>")]);
    }

    #[test]
    fn budgets_show_bounds_or_not_applicable() {
        let pdb = json!({"spec": {"minAvailable": "50%"}, "status": {"disruptionsAllowed": 1}});
        let cells = POD_DISRUPTION_BUDGETS.row(&pdb, Timestamp::now()).cells;
        assert_eq!(cells[1..4], [json!("50%"), json!("N/A"), json!(1)]);
    }
}
