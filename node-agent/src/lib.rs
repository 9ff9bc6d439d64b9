//! Node agent: runs the pods of its node through crun. Not built yet.
