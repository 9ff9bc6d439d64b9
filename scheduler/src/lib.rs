//! Scheduler: binds pending pods to nodes through `pods/binding`. Not built yet.
