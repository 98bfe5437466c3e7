-- expand: a new table, additive; the previous version neither reads nor writes it.
CREATE TABLE "portal_settings" (
	"tenant_id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"allowed_frame_origins" text[] DEFAULT '{}'::text[] NOT NULL,
	"display_name" text,
	"logo_url" text,
	"accent_color" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "portal_settings" ADD CONSTRAINT "portal_settings_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;