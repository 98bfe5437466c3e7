-- expand: three columns, additive (a nullable one, and two with a constant default, which
-- Postgres adds without rewriting the table); the previous version neither reads nor writes
-- them, so its workers record results as before and those retries are simply not counted.
ALTER TABLE "deliveries" ADD COLUMN "retry_task_id" text COLLATE "C";--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "delivered" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "failed_again" integer DEFAULT 0 NOT NULL;