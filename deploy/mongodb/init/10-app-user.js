// Runs once, when the mongo image initialises an empty data volume (as the root user from
// MONGO_INITDB_ROOT_*). It creates the least-privilege user the services connect as: readWrite
// on the application database only (find/insert/update/remove, collections and indexes), no
// cluster, user or other-database rights. docs/operations.md has the same steps for an existing
// volume.
const dbName = process.env.MONGODB_DB || "webbscope";
const user = process.env.MONGO_APP_USERNAME || "webbscope_app";
const password = process.env.MONGO_APP_PASSWORD;
if (!password) {
  throw new Error("MONGO_APP_PASSWORD is not set: the application user cannot be created");
}
const appDb = db.getSiblingDB(dbName);
if (appDb.getUser(user) === null) {
  appDb.createUser({ user: user, pwd: password, roles: [{ role: "readWrite", db: dbName }] });
  print(`created the application user ${user} (readWrite on ${dbName})`);
}
