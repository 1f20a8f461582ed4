# CNN + RNN thrombus recognizer of Mittmann et al. (IJCARS 2022), see
# /docs and papers.md section A: ImageNet-pretrained backbone (not frozen) on
# groups of 3 frames stacked as RGB, adaptive average pooling to a grid
# (ResNet18 7 x 7, EfficientNet(V2) 4 x 4, RegNetY 3 x 3 as in the authors'
# code), flatten, LayerNorm + LeakyReLU(0.01), bidirectional GRU/LSTM with 3
# layers of 512 units and dropout 0.5, Linear(1024, 1) on the last step.
# Variants override `backbone`, `grid_size` and `encoder.rnn_type`.
model = dict(
    type='CNNRNNRecognizer',
    # Per-series z-score normalisation, as the authors' code.
    data_preprocessor=dict(type='DSAClassificationDataPreprocessor',
                           per_series_norm=True),
    # timm's classification model without its classifier and global pool
    # (features_only=False): the output of the final 1 x 1 head convolution,
    # as timm `forward_features` / torchvision `features`.
    # Pretrained weights per Table 1 (pinned in issue 12; before: timm's
    # default tag a1_in1k): the authors' torchvision ResNet18 weights are
    # timm's resnet18.tv_in1k (exact). Variants pin their own tags.
    backbone=dict(
        type='mmpretrain.TIMMBackbone',
        model_name='resnet18.tv_in1k',
        pretrained=True),
    # Channels of the backbone output (checked at the first forward; None
    # infers them with a dry run).
    backbone_channels=512,
    grid_size=7,
    pool_type='avg',
    encoder=dict(
        type='RecurrentSequenceEncoder',
        rnn_type='gru',
        hidden_size=512,
        num_layers=3,
        dropout=0.5,
        bidirectional=True,
        negative_slope=0.01),
    head=dict(
        type='BinarySequenceClsHead',
        # 'last': the authors' read-out (see BinarySequenceClsHead); 'mean'
        # averages the valid steps instead.
        readout='last',
        # The authors' soft targets 0.214 / 0.786 = smoothing 0.428.
        label_smoothing=0.428,
        pos_weight=None,
        threshold=0.5))
