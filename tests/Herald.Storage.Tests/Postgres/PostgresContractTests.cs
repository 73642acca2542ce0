using Herald.Storage.Tests.Contracts;

namespace Herald.Storage.Tests.Postgres;

// The store contract suite on PostgreSQL: one class per contract, named after the provider. A new
// contract class gets its line here.

public sealed class PostgresPartitionLeaseTests : PartitionLeaseContract<PostgresStoreProvider>;

public sealed class PostgresSharedPartitionLeaseTests : SharedPartitionLeaseContract<PostgresStoreProvider>;
