-- expand: a nullable column the previous version neither reads nor writes.
ALTER TABLE "idempotency_keys" ADD COLUMN "claim_token" text;