using Herald.Storage.Tests.Contracts;

namespace Herald.Storage.Tests.Sqlite;

// The store contract suite on SQLite: one class per contract, named after the provider, so a test
// listing shows which provider ran what. A new contract class gets its line here.

public sealed class SqliteDeliveryClaimTests : DeliveryClaimContract<SqliteStoreProvider>;

public sealed class SqliteDeliveryLeaseTests : DeliveryLeaseContract<SqliteStoreProvider>;

public sealed class SqliteDeliveryOrderingTests : DeliveryOrderingContract<SqliteStoreProvider>;

public sealed class SqliteDeliveryCompleteTests : DeliveryCompleteContract<SqliteStoreProvider>;

public sealed class SqliteDeliveryRetryTests : DeliveryRetryContract<SqliteStoreProvider>;

public sealed class SqliteDeliveryListTests : DeliveryListContract<SqliteStoreProvider>;

public sealed class SqliteEventStoreTests : EventStoreContract<SqliteStoreProvider>;

public sealed class SqliteWebhookStoreTests : WebhookStoreContract<SqliteStoreProvider>;

public sealed class SqliteApiKeyStoreTests : ApiKeyStoreContract<SqliteStoreProvider>;

public sealed class SqliteReplayStoreTests : ReplayStoreContract<SqliteStoreProvider>;

public sealed class SqliteDeliveryRecoveryStoreTests : DeliveryRecoveryContract<SqliteStoreProvider>;

public sealed class SqliteRetentionStoreTests : RetentionStoreContract<SqliteStoreProvider>;

public sealed class SqliteMultiWriterTests : MultiWriterContract<SqliteStoreProvider>;

public sealed class SqliteStoreChangesTests : StoreChangesContract<SqliteStoreProvider>;

public sealed class SqliteJobLeaseTests : JobLeaseContract<SqliteStoreProvider>;

public sealed class SqliteDataProtectionKeyStoreTests : DataProtectionKeyStoreContract<SqliteStoreProvider>;

public sealed class SqlitePartitionLeaseTests : PartitionLeaseContract<SqliteStoreProvider>;

public sealed class SqliteDeliveryStatsStoreTests : DeliveryStatsContract<SqliteStoreProvider>;
