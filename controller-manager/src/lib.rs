//! Controller manager: Deployment, ReplicaSet and the other controllers, each a client of the api-server. Not built yet.
