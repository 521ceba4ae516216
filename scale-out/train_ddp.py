#!/usr/bin/env python3
"""Continue MlNetMlm's work on many GPUs or machines with Hugging Face's Trainer.

Input: the blocks Parquet that `mlnet-mlm prepare` writes (input_ids, attention_mask, special_tokens_mask, as
run_mlm.py's group_texts gives) and a Hugging Face model folder (`mlnet-mlm train`'s hf/ or `mlnet-mlm export`).
Output: a Hugging Face folder that `mlnet-mlm fill-mask --model OUT` and `mlnet-mlm train --model OUT` take back.

    torchrun --nproc_per_node 4 scale-out/train_ddp.py --blocks blocks.parquet --model runs/eli5/hf --output out
    accelerate launch scale-out/train_ddp.py --blocks blocks.parquet --model runs/eli5/hf --output out

Trainer sets up torch.distributed from the launcher's environment (RANK, WORLD_SIZE, LOCAL_RANK); each process
reads its share of the blocks, masking is drawn per batch by DataCollatorForLanguageModeling (as MlNetMlm does).
"""
import argparse

from datasets import load_dataset
from transformers import (AutoModelForMaskedLM, AutoTokenizer, DataCollatorForLanguageModeling, Trainer,
                          TrainingArguments)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--blocks", required=True, nargs="+", help="Parquet file(s) written by `mlnet-mlm prepare`")
    parser.add_argument("--validation-blocks", nargs="*", default=None, help="held-out blocks, same layout")
    parser.add_argument("--model", required=True, help="Hugging Face folder written by `mlnet-mlm train` (hf/) or `export`")
    parser.add_argument("--output", required=True, help="folder for checkpoints and the final model")
    parser.add_argument("--epochs", type=float, default=3.0)
    parser.add_argument("--batch-size", type=int, default=8, help="blocks per device per step")
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument("--warmup-ratio", type=float, default=0.0)
    parser.add_argument("--mlm-probability", type=float, default=0.15)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--bf16", action="store_true", help="bfloat16 mixed precision")
    return parser.parse_args()


def main():
    args = parse_args()
    files = {"train": args.blocks}
    if args.validation_blocks:
        files["validation"] = args.validation_blocks
    blocks = load_dataset("parquet", data_files=files)
    missing = {"input_ids", "attention_mask"} - set(blocks["train"].column_names)
    if missing:
        raise SystemExit(f"{args.blocks[0]}: no column(s) {', '.join(sorted(missing))}; give the output of `mlnet-mlm prepare`.")

    tokenizer = AutoTokenizer.from_pretrained(args.model)
    model = AutoModelForMaskedLM.from_pretrained(args.model)
    collator = DataCollatorForLanguageModeling(tokenizer=tokenizer, mlm_probability=args.mlm_probability)
    training = TrainingArguments(
        output_dir=args.output,
        num_train_epochs=args.epochs,
        per_device_train_batch_size=args.batch_size,
        per_device_eval_batch_size=args.batch_size,
        learning_rate=args.lr,
        weight_decay=args.weight_decay,
        warmup_ratio=args.warmup_ratio,
        seed=args.seed,
        bf16=args.bf16,
        eval_strategy="epoch" if "validation" in blocks else "no",
        save_strategy="epoch",
        save_total_limit=2,
        logging_steps=10,
        report_to=[],
    )
    trainer = Trainer(model=model, args=training, data_collator=collator, train_dataset=blocks["train"],
                      eval_dataset=blocks.get("validation"))
    trainer.train()
    # One HF folder (config.json, model.safetensors, tokenizer files), written by the main process only.
    trainer.save_model(args.output)
    if trainer.is_world_process_zero():
        tokenizer.save_pretrained(args.output)


if __name__ == "__main__":
    main()
