-- breaking: the primary key of idempotency_keys becomes (tenant_id, scope, key), and the
-- previous version's claim (ON CONFLICT (tenant_id, key)) then matches no unique index, so its
-- API fails every request carrying an Idempotency-Key. Written before upgrades were split into
-- expand and contract: stop every API process of the previous version before starting this one.
ALTER TABLE "idempotency_keys" ADD COLUMN "scope" text DEFAULT 'tenant' NOT NULL;--> statement-breakpoint
ALTER TABLE "idempotency_keys" DROP CONSTRAINT "idempotency_keys_pkey";
--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY("tenant_id","scope","key");