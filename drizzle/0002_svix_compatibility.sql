-- expand: new tables (idempotency_keys, tasks), new columns with defaults that the previous
-- version's inserts get without naming them, and a unique (message_id, endpoint_id) index it never
-- violates (one delivery per endpoint of a message). The dropped deliveries_message_idx is
-- covered by that index, whose first column serves the same lookups by message.
CREATE TABLE "idempotency_keys" (
	"tenant_id" text COLLATE "C" NOT NULL,
	"key" text NOT NULL,
	"fingerprint" text NOT NULL,
	"status" text NOT NULL,
	"response_status" integer,
	"response_body" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY("tenant_id","key")
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"tenant_id" text COLLATE "C" NOT NULL,
	"kind" text NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"app_id" text COLLATE "C",
	"endpoint_id" text COLLATE "C",
	"since" timestamp with time zone NOT NULL,
	"until" timestamp with time zone,
	"event_types" text[],
	"total" integer DEFAULT 0 NOT NULL,
	"queued" integer DEFAULT 0 NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
DROP INDEX "deliveries_message_idx";--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "header_style" text DEFAULT 'webhook' NOT NULL;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "validate_schemas" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "event_types" ADD COLUMN "feature_flags" text[];--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "deliver_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "manual" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idempotency_keys_expires_idx" ON "idempotency_keys" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "tasks_tenant_idx" ON "tasks" USING btree ("tenant_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "deliveries_message_endpoint_key" ON "deliveries" USING btree ("message_id","endpoint_id");--> statement-breakpoint
CREATE INDEX "deliveries_failed_idx" ON "deliveries" USING btree ("tenant_id","id") WHERE "deliveries"."status" = 'failed';