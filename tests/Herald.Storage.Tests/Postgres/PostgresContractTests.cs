using Herald.Storage.Tests.Contracts;

namespace Herald.Storage.Tests.Postgres;

// The store contract suite on PostgreSQL: one class per contract, named after the provider, so a
// test listing shows which provider ran what. A new contract class gets its line here.

public sealed class PostgresEventStoreTests : EventStoreContract<PostgresStoreProvider>;

public sealed class PostgresWebhookStoreTests : WebhookStoreContract<PostgresStoreProvider>;

public sealed class PostgresApiKeyStoreTests : ApiKeyStoreContract<PostgresStoreProvider>;

public sealed class PostgresJobLeaseTests : JobLeaseContract<PostgresStoreProvider>;

public sealed class PostgresDataProtectionKeyStoreTests : DataProtectionKeyStoreContract<PostgresStoreProvider>;

public sealed class PostgresPartitionLeaseTests : PartitionLeaseContract<PostgresStoreProvider>;

public sealed class PostgresSharedPartitionLeaseTests : SharedPartitionLeaseContract<PostgresStoreProvider>;
