-- expand: new columns, nullable or with defaults, and a unique index over applications.system,
-- which no existing row sets. While both run, the previous version lists a tenant's system
-- application (where its operational webhook endpoints live) among its applications.
ALTER TABLE "applications" ADD COLUMN "system" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "endpoints" ADD COLUMN "max_inflight" integer;--> statement-breakpoint
ALTER TABLE "endpoints" ADD COLUMN "breaker_state" text DEFAULT 'closed' NOT NULL;--> statement-breakpoint
ALTER TABLE "endpoints" ADD COLUMN "consecutive_failures" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "endpoints" ADD COLUMN "failing_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "endpoints" ADD COLUMN "disabled_reason" text;--> statement-breakpoint
ALTER TABLE "endpoints" ADD COLUMN "disabled_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "applications_tenant_system_key" ON "applications" USING btree ("tenant_id") WHERE "applications"."system";