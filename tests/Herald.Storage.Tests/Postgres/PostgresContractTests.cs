using Herald.Storage.Tests.Contracts;

namespace Herald.Storage.Tests.Postgres;

// The store contract suite on PostgreSQL: one class per contract, named after the provider, so a
// test listing shows which provider ran what. A new contract class gets its line here.

public sealed class PostgresDeliveryClaimTests : DeliveryClaimContract<PostgresStoreProvider>;

public sealed class PostgresDeliveryLeaseTests : DeliveryLeaseContract<PostgresStoreProvider>;

public sealed class PostgresDeliveryOrderingTests : DeliveryOrderingContract<PostgresStoreProvider>;

public sealed class PostgresDeliveryCompleteTests : DeliveryCompleteContract<PostgresStoreProvider>;

public sealed class PostgresDeliveryRetryTests : DeliveryRetryContract<PostgresStoreProvider>;

public sealed class PostgresDeliveryListTests : DeliveryListContract<PostgresStoreProvider>;

public sealed class PostgresReplayStoreTests : ReplayStoreContract<PostgresStoreProvider>;

public sealed class PostgresDeliveryRecoveryStoreTests : DeliveryRecoveryContract<PostgresStoreProvider>;

public sealed class PostgresRetentionStoreTests : RetentionStoreContract<PostgresStoreProvider>;

public sealed class PostgresMultiWriterTests : MultiWriterContract<PostgresStoreProvider>;

public sealed class PostgresPartitionLeaseTests : PartitionLeaseContract<PostgresStoreProvider>;

public sealed class PostgresSharedPartitionLeaseTests : SharedPartitionLeaseContract<PostgresStoreProvider>;

public sealed class PostgresEventStoreTests : EventStoreContract<PostgresStoreProvider>;

public sealed class PostgresStoreChangesTests : StoreChangesContract<PostgresStoreProvider>;

public sealed class PostgresWebhookStoreTests : WebhookStoreContract<PostgresStoreProvider>;

public sealed class PostgresApiKeyStoreTests : ApiKeyStoreContract<PostgresStoreProvider>;

public sealed class PostgresJobLeaseTests : JobLeaseContract<PostgresStoreProvider>;

public sealed class PostgresDataProtectionKeyStoreTests : DataProtectionKeyStoreContract<PostgresStoreProvider>;

public sealed class PostgresDeliveryStatsStoreTests : DeliveryStatsContract<PostgresStoreProvider>;
