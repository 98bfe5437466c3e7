-- expand: adds the payload_expiries table (empty, new); nothing existing changes, so the
-- previous version's processes run on unaffected while both versions run. The foreign key to
-- messages takes a brief lock on messages to add its trigger; it checks no existing row.
CREATE TABLE "payload_expiries" (
	"message_id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"tenant_id" text COLLATE "C" NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "payload_expiries" ADD CONSTRAINT "payload_expiries_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payload_expiries" ADD CONSTRAINT "payload_expiries_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "payload_expiries_expires_idx" ON "payload_expiries" USING btree ("expires_at");