-- expand: a new table and a nullable column. While both run, the previous version's APIs do not
-- read portal_token_revocations (a portal token revoked meanwhile still works there until they
-- are replaced) nor expunged_at (its deliveries are canceled either way, so nothing is sent).
CREATE TABLE "portal_token_revocations" (
	"tenant_id" text COLLATE "C" NOT NULL,
	"app_id" text COLLATE "C" NOT NULL,
	"token_id" text,
	"session_id" text,
	"issued_before" timestamp with time zone NOT NULL,
	"effective_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "expunged_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "portal_token_revocations" ADD CONSTRAINT "portal_token_revocations_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "portal_token_revocations" ADD CONSTRAINT "portal_token_revocations_app_id_applications_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."applications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "portal_token_revocations_app_idx" ON "portal_token_revocations" USING btree ("app_id");